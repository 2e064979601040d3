package harness

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect/postgres/pgtest"
)

const (
	replicaCertSIREN   = "901001008"
	replicaAccessSIREN = "732829320"
	replicaContact     = "dirigeant-replicas@exemple.test"
)

// TestReplicasBehindOneURL runs three core processes on one PostgreSQL
// database behind a round-robin load balancer, the other components from
// the sandbox, and walks certifications and access-request decisions
// through it (each browser's requests land on every replica in turn).
// Healthy: every certification and decision completes, every event reaches
// the portal once, every mail is sent once. With one replica killed
// (SIGKILL, by PID) in the middle: the same, the killed replica's claimed
// events coming back once their lease ends; a user whose request died with
// the replica starts again, as a person would.
func TestReplicasBehindOneURL(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three processes and walks 64 browser flows: not in -short")
	}
	url := pgtest.URL(t, "three core replicas on one database, one killed")
	bin := filepath.Join(t.TempDir(), "proconnect-sandbox")
	build := exec.Command("go", "build", "-o", bin, "../cmd/proconnect-sandbox")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	t.Run("healthy", func(t *testing.T) { runReplicas(t, bin, url, false) })
	t.Run("one replica killed", func(t *testing.T) {
		runReplicas(t, bin, pgtest.URL(t, "three core replicas on one database, one killed"), true)
	})
}

func runReplicas(t *testing.T, bin, database string, kill bool) {
	rs := startReplicaSet(t, database)
	for range 3 {
		rs.startProcess(bin)
	}
	req, _ := http.NewRequest(http.MethodPut, rs.url("sirene")+"/__sandbox/companies/"+replicaAccessSIREN+"/contact-email",
		strings.NewReader(`{"contact_email":"`+replicaContact+`"}`))
	req.Header.Set("Content-Type", "application/json")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("contact email: %v", err)
	}
	transport := &http.Transport{MaxIdleConnsPerHost: 64}
	t.Cleanup(transport.CloseIdleConnections)
	browser := func() *driver {
		return newDriver(transport, "replicas", rs.url("portal"), rs.url("franceconnect"), rs.core)
	}
	const certs, accesses, workers = 24, 8, 4

	// the collaborators file their requests; the dirigeant gets one mail each
	ids := make([]string, accesses)
	for i := range accesses {
		id, err := fileAccessThrough(browser(), rs.url("portal"), replicaAccessSIREN, fmt.Sprintf("collab-%d@exemple.test", i))
		if err != nil {
			t.Fatalf("access request %d: %v", i, err)
		}
		ids[i] = id
	}
	linkOf := waitMails(t, rs.url("mailbox"), accesses, 30*time.Second)

	// certifications and decisions, mixed, through the load balancer
	type job struct {
		name string
		run  func() error
	}
	var jobs []job
	var certified sync.Map // certification ID → true: the flows that ended certified
	for i := range certs + accesses {
		if i%4 == 3 {
			id := ids[i/4]
			link, ok := linkOf[id]
			if !ok {
				t.Fatalf("no mail links to access request %s", id)
			}
			jobs = append(jobs, job{"decision " + id, func() error { return decideThrough(browser(), link, id, "dirigeant:"+replicaAccessSIREN) }})
			continue
		}
		jobs = append(jobs, job{fmt.Sprint("certification ", i), func() error {
			id, err := certifyThrough(browser(), rs.url("portal"), replicaCertSIREN, "angela")
			if err == nil {
				certified.Store(id, true)
			}
			return err
		}})
	}
	var done, retries atomic.Int32
	var killedAt time.Time
	var killOnce sync.Once
	queue := make(chan job)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for j := range queue {
				var err error
				for attempt := range 3 {
					if err = j.run(); err == nil {
						break
					}
					retries.Add(1)
					t.Logf("%s, attempt %d: %v", j.name, attempt+1, err)
				}
				if err != nil {
					t.Errorf("%s never completed: %v", j.name, err)
				}
				if kill && done.Add(1) == int32(len(jobs)/2) {
					killOnce.Do(func() {
						victim := rs.procs[1]
						killedAt = time.Now()
						if err := victim.Process.Kill(); err != nil { // SIGKILL: no goodbye
							t.Errorf("kill %d: %v", victim.Process.Pid, err)
						}
						t.Logf("replica pid %d killed after %d of %d flows", victim.Process.Pid, len(jobs)/2, len(jobs))
					})
				}
			}
		})
	}
	for _, j := range jobs {
		queue <- j
	}
	close(queue)
	wg.Wait()
	if kill && killedAt.IsZero() {
		t.Fatal("no replica was killed")
	}
	if !kill && retries.Load() > 0 {
		t.Errorf("%d flows had to start again on a healthy set of replicas", retries.Load())
	}
	t.Logf("requests per replica: %v; flows started again: %d", rs.rr.servedBy(), retries.Load())

	// every event of the outbox delivered; the portal acknowledged each once
	// (a delivery the killed replica had already sent may reach the portal
	// a few milliseconds after the kill, and be sent again once its claim
	// lapses, seconds later: inFlightGrace tells it from a double delivery
	// of live replicas; CI saw one acknowledged 2 ms after the kill)
	const inFlightGrace = time.Second
	drain := 20 * time.Second
	if kill {
		drain = 90 * time.Second // a dead replica's claims come back when their lease ends
	}
	events := waitDelivered(t, rs.core, drain)
	byType := map[string]int{}
	perCert := map[string]int{}
	acks := rs.events.acks()
	for _, e := range events {
		byType[e.Type]++
		if id, _ := e.Data["certification_id"].(string); id != "" {
			perCert[id]++
		}
		at := acks[e.ID]
		switch {
		case len(at) == 0:
			t.Errorf("event %s (%s) marked delivered but never acknowledged by the portal", e.ID, e.Type)
		case len(at) > 1 && (!kill || at[0].After(killedAt.Add(inFlightGrace))):
			t.Errorf("event %s (%s) acknowledged %d times, the first at %s (kill at %s)", e.ID, e.Type, len(at), at[0].Format(time.StampMilli), killedAt.Format(time.StampMilli))
		case len(at) > 1:
			// delivered by the replica just before it died, which never
			// recorded it: sent again once the claim lapsed (at least once;
			// the portal applies a jti once)
			t.Logf("event %s delivered before the kill and again after its lease: %d acknowledgements", e.ID, len(at))
		}
	}
	if len(acks) != len(events) {
		t.Errorf("the portal acknowledged %d distinct events, the outbox holds %d", len(acks), len(events))
	}
	// each certified flow's certification has its one event; a flow that
	// broke after the core completed it (its return page met the dead
	// replica) has one too, and the person's second try another
	n := 0
	certified.Range(func(k, _ any) bool {
		n++
		if perCert[k.(string)] != 1 {
			t.Errorf("certification %s: %d certification.completed events, want 1", k, perCert[k.(string)])
		}
		return true
	})
	if n != certs {
		t.Errorf("%d certifications ended certified, want %d", n, certs)
	}
	if got := byType["certification.completed"]; got < certs || got > certs+int(retries.Load()) {
		t.Errorf("%d certification.completed events for %d certified flows and %d flows started again", got, certs, retries.Load())
	}
	if byType["access_request.approved"] != accesses {
		t.Errorf("%d access_request.approved events, want %d (one per decision)", byType["access_request.approved"], accesses)
	}
	// one mail per access request, no more
	if mails := waitMails(t, rs.url("mailbox"), accesses, time.Second); len(mails) != accesses {
		t.Errorf("%d distinct mails, want %d", len(mails), accesses)
	}
}

type deliveredEvent struct {
	ID          string         `json:"id"`
	Type        string         `json:"event_type"`
	Data        map[string]any `json:"data"`
	DeliveredAt *time.Time     `json:"delivered_at"`
	Attempts    int            `json:"attempts"`
	LastError   string         `json:"last_error"`
}

// waitDelivered waits until every event in the core's outbox is delivered
// and returns them.
func waitDelivered(t *testing.T, core string, limit time.Duration) []deliveredEvent {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		resp, err := http.Get(core + "/__sandbox/deliveries")
		if err != nil {
			t.Fatal(err)
		}
		var out struct{ Deliveries []deliveredEvent }
		_ = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		var pending []string
		for _, e := range out.Deliveries {
			if e.DeliveredAt == nil {
				pending = append(pending, fmt.Sprintf("%s (%d attempts, %s)", e.ID, e.Attempts, e.LastError))
			}
		}
		if len(pending) == 0 {
			return out.Deliveries
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s, %d of %d events undelivered: %v", limit, len(pending), len(out.Deliveries), pending)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitMails waits for want mails to the dirigeant and returns the link of
// each, by access request ID. More mails than want, or two with the same
// link, fail the test.
func waitMails(t *testing.T, mailbox string, want int, limit time.Duration) map[string]string {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		resp, err := http.Get(mailbox + "/api/messages?to=" + replicaContact)
		if err != nil {
			t.Fatal(err)
		}
		var out struct{ Messages []mailSeen }
		_ = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		byID := map[string]string{}
		for _, m := range out.Messages {
			link := m.link()
			id := strings.TrimPrefix(strings.SplitN(link[strings.Index(link, "/demandes/"):], "?", 2)[0], "/demandes/")
			if _, dup := byID[id]; dup {
				t.Errorf("access request %s mailed twice", id)
			}
			byID[id] = link
		}
		if len(out.Messages) > want {
			t.Fatalf("%d mails to the dirigeant, want %d", len(out.Messages), want)
		}
		if len(out.Messages) == want {
			return byID
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d mails after %s", len(out.Messages), want, limit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
