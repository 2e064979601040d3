package harness

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/internal/benchcpu"
	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect/postgres/pgtest"
	"github.com/proconnect-sandbox/proconnect-sandbox/sandbox"
)

// BenchmarkCertificationFlow measures complete certifications as a person
// makes them, each in a new browser (its own cookies): the reference
// portal's home page, its start form (sent with GET), ProConnect,
// FranceConnect's login page and its form posted, the core's callback (the
// code exchanged, the id_token and the signed userinfo verified), the
// register, the decision, the event pushed to the portal (whose signature
// the portal verifies against ProConnect's JWKS), and the portal's return
// page (which reads the certification). Every event must be delivered by
// the end. Run with -cpu 2.
//
// CPU-µs/flow is this process's CPU time (user and system) over the timed
// flows divided by their number: the browser and every component together,
// a steadier measure than flows/s on a machine others load.
//
// The core keeps its state in memory, in SQLite, or in PostgreSQL (the
// server PROCONNECT_SANDBOX_TEST_POSTGRES names; skipped without it) with
// 1, 2 or 3 replicas in this process, each with its own connection pool,
// behind a round-robin reverse proxy (also with one replica, so that the
// PostgreSQL figures compare with each other). On a machine of two cores
// the replicas share them: the figures show the cost of the shared store
// and the proxy, not scaling.
func BenchmarkCertificationFlow(b *testing.B) {
	for _, store := range []string{"memory", "sqlite", "postgres"} {
		replicas := []int{1}
		if store == "postgres" {
			replicas = []int{1, 2, 3}
		}
		for _, n := range replicas {
			for _, conc := range []int{1, 8} {
				name := fmt.Sprintf("store=%s/concurrency=%d", store, conc)
				if store == "postgres" {
					name = fmt.Sprintf("store=postgres/replicas=%d/concurrency=%d", n, conc)
				}
				b.Run(name, func(b *testing.B) { benchFlows(b, store, n, conc) })
			}
		}
	}
}

func benchFlows(b *testing.B, store string, replicas, conc int) {
	var portal, core string
	var browser func() *driver
	transport := &http.Transport{MaxIdleConnsPerHost: 64}
	b.Cleanup(transport.CloseIdleConnections)
	if store == "postgres" {
		rs := startReplicaSet(b, pgtest.URL(b, "the certification flow on PostgreSQL"))
		for range replicas {
			rs.startInProcess()
		}
		portal, core = rs.url("portal"), rs.core
		browser = func() *driver { return newDriver(transport, "bench", portal, rs.url("franceconnect"), core) }
	} else {
		cfg := sandbox.Config{Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))}
		if store == "sqlite" {
			cfg.DataDir = b.TempDir()
		}
		_, url := testStack(b, cfg)
		portal, core = url("portal"), url("proconnect")
		browser = func() *driver { return newDriver(transport, "bench", portal, url("franceconnect"), core) }
	}
	// each flow in a new browser
	flow := func() error {
		_, err := certifyThrough(browser(), portal, "901001008", "angela")
		return err
	}
	if err := flow(); err != nil { // warm connections and keys
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	start, cpu0 := time.Now(), benchcpu.Self()
	if conc == 1 {
		for b.Loop() {
			if err := flow(); err != nil {
				b.Fatal(err)
			}
		}
	} else {
		b.SetParallelism((conc + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := flow(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	elapsed, cpu := time.Since(start), benchcpu.Self()-cpu0
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "flows/s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "CPU-µs/flow")
	// Every event reaches the portal.
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(core + "/__sandbox/deliveries")
		if err != nil {
			b.Fatal(err)
		}
		var out struct {
			Deliveries []struct {
				DeliveredAt *time.Time `json:"delivered_at"`
			} `json:"deliveries"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		pending := 0
		for _, d := range out.Deliveries {
			if d.DeliveredAt == nil {
				pending++
			}
		}
		if pending == 0 {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of the last %d events still undelivered", pending, len(out.Deliveries))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// BenchmarkAccessRequestMailed measures collaborators' access requests as a
// portal files them (the reference portal's access_request_url: a PISTE
// token, POST /access-requests, the outbox) until each mail has reached the
// mail catcher over SMTP. Run with -cpu 2 and -benchtime Nx (N ≤ 9,000:
// the catcher keeps 10,000 messages).
func BenchmarkAccessRequestMailed(b *testing.B) {
	for _, store := range []string{"memory", "sqlite"} {
		b.Run("store="+store, func(b *testing.B) { benchAccess(b, store == "sqlite") })
	}
}

func benchAccess(b *testing.B, sqlite bool) {
	cfg := sandbox.Config{Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))}
	if sqlite {
		cfg.DataDir = b.TempDir()
	}
	_, url := testStack(b, cfg)
	portal, sirene, mailbox := url("portal"), url("sirene"), url("mailbox")
	const siren, contact = "732829320", "dirigeant-bench@exemple.test"
	req, _ := http.NewRequest(http.MethodPut, sirene+"/__sandbox/companies/"+siren+"/contact-email",
		strings.NewReader(`{"contact_email":"`+contact+`"}`))
	req.Header.Set("Content-Type", "application/json")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		b.Fatalf("contact email: %v", err)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var seq atomic.Int64
	file := func() error {
		n := seq.Add(1)
		resp, err := client.Post(portal+"/api/acces", "application/json", strings.NewReader(fmt.Sprintf(
			`{"siren":%q,"email":"c%d@exemple.test","given_name":"Camille","family_name":"Martin"}`, siren, n)))
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("access_request_url answered %d", resp.StatusCode)
		}
		return nil
	}
	count := func() int {
		resp, err := http.Get(mailbox + "/api/messages?to=" + contact)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct{ Messages []json.RawMessage }
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return len(out.Messages)
	}
	if err := file(); err != nil { // warm the token and connections
		b.Fatal(err)
	}
	for count() < 1 {
		time.Sleep(5 * time.Millisecond)
	}
	if b.N > 9000 {
		b.Fatalf("b.N = %d: give -benchtime Nx with N ≤ 9,000 (the catcher keeps 10,000 messages)", b.N)
	}
	b.ResetTimer()
	start := time.Now()
	b.SetParallelism(4) // 8 filers on 2 CPUs
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := file(); err != nil {
				b.Error(err)
				return
			}
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for count() < b.N+1 {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d mails arrived after 60 s", count()-1, b.N)
		}
		time.Sleep(2 * time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "mailed/s")
}
