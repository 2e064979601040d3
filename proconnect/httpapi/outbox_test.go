package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
	"github.com/proconnect-sandbox/proconnect-sandbox/internal/testserver"
	"github.com/proconnect-sandbox/proconnect-sandbox/mocks/mailbox"
	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect/inmem"
	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect/sqlite"
)

// outboxStores are the stores the outbox tests run on: a duplicate came
// from the drainer, whatever the store.
var outboxStores = []struct {
	name string
	open func(t *testing.T) proconnect.Store
}{
	{"inmem", func(*testing.T) proconnect.Store { return inmem.New() }},
	{"sqlite", func(t *testing.T) proconnect.Store {
		s, err := sqlite.Open(filepath.Join(t.TempDir(), "proconnect.db"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}},
}

// deliveries counts what a portal received, by jti, with the time of each.
type deliveries struct {
	mu    sync.Mutex
	times map[string][]time.Time
}

func (d *deliveries) add(jti string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.times[jti] = append(d.times[jti], time.Now())
	return len(d.times[jti])
}

func (d *deliveries) snapshot() map[string][]time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make(map[string][]time.Time, len(d.times))
	for k, v := range d.times {
		out[k] = append([]time.Time(nil), v...)
	}
	return out
}

// TestOutboxDeliversEachEventOnce delivers a few hundred events to a portal
// that is slow at random and refuses each event's first attempt for one in
// five: every event arrives accepted exactly once, and a refused one is
// tried again only after its backoff (at least a second), never at once
// from a stale list of due events.
func TestOutboxDeliversEachEventOnce(t *testing.T) {
	for _, st := range outboxStores {
		t.Run(st.name, func(t *testing.T) {
			const n = 300
			got := &deliveries{times: map[string][]time.Time{}}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				jws, err := jose.ParseSigned(string(body), []jose.SignatureAlgorithm{jose.ES256})
				if err != nil {
					http.Error(w, err.Error(), http.StatusBadRequest)
					return
				}
				var claims struct {
					JTI string `json:"jti"`
				}
				_ = json.Unmarshal(jws.UnsafePayloadWithoutVerification(), &claims)
				time.Sleep(time.Duration(rand.IntN(3)) * time.Millisecond)
				if got.add(claims.JTI) == 1 && refusedFirst(claims.JTI) {
					w.WriteHeader(http.StatusServiceUnavailable)
					return
				}
				w.WriteHeader(http.StatusNoContent)
			}))
			defer srv.Close()
			store := st.open(t)
			defer store.Close()
			now := time.Now()
			var events []proconnect.Event
			for i := range n {
				events = append(events, proconnect.Event{ID: fmt.Sprintf("evt-%03d", i), PortalID: "p", Type: "test",
					Data: map[string]any{}, CreatedAt: now.Add(time.Duration(i) * time.Microsecond), NextAttempt: now})
			}
			if err := store.AddEvents(context.Background(), events); err != nil {
				t.Fatal(err)
			}
			set, err := fixtures.Default()
			if err != nil {
				t.Fatal(err)
			}
			p, err := newPusher(Config{PublicURL: "http://core.test", Fixtures: set, HTTPClient: http.DefaultClient}, store,
				newPortals([]fixtures.Portal{{ClientID: "p", EventsURL: srv.URL}}, "", store), time.Now, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			go p.run(ctx)
			// Wake it often, as new events and freed workers do.
			for ctx.Err() == nil {
				p.wake()
				if undelivered(t, store) == 0 {
					break
				}
				time.Sleep(2 * time.Millisecond)
			}
			cancel()
			if left := undelivered(t, store); left > 0 {
				t.Fatalf("%d events still undelivered after 20 s", left)
			}
			for jti, times := range got.snapshot() {
				want := 1
				if refusedFirst(jti) {
					want = 2
				}
				if len(times) != want {
					t.Errorf("%s arrived %d times, want %d", jti, len(times), want)
					continue
				}
				if refusedFirst(jti) && times[1].Sub(times[0]) < 900*time.Millisecond {
					t.Errorf("%s was retried %v after a refusal, before its backoff", jti, times[1].Sub(times[0]))
				}
			}
			if len(got.snapshot()) != n {
				t.Errorf("%d events arrived, want %d", len(got.snapshot()), n)
			}
		})
	}
}

// refusedFirst says which events the test portal refuses once (one in five).
func refusedFirst(jti string) bool { return strings.HasSuffix(jti, "0") || strings.HasSuffix(jti, "5") }

func undelivered(t *testing.T, s proconnect.Store) int {
	t.Helper()
	log, err := s.Events(context.Background(), 10000)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range log {
		if e.DeliveredAt == nil {
			n++
		}
	}
	return n
}

// TestMailOutboxSendsEachMailOnce queues a few hundred mails and sends them
// to the mail catcher over SMTP, the drainer woken often: each recipient
// gets exactly one mail.
func TestMailOutboxSendsEachMailOnce(t *testing.T) {
	for _, st := range outboxStores {
		t.Run(st.name, func(t *testing.T) {
			const n = 200
			addr, api := testserver.Mailbox(t)
			store := st.open(t)
			defer store.Close()
			now := time.Now()
			for i := range n {
				m := proconnect.Mail{ID: fmt.Sprintf("m%03d", i), To: fmt.Sprintf("d%03d@exemple.test", i), Subject: "s",
					Text: "t", CreatedAt: now.Add(time.Duration(i) * time.Microsecond), NextAttempt: now}
				if err := store.AddMail(context.Background(), m); err != nil {
					t.Fatal(err)
				}
			}
			mr := newMailer(addr, store, time.Now, slog.New(slog.DiscardHandler))
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			go mr.run(ctx)
			for ctx.Err() == nil {
				mr.wake()
				if unsent(t, store) == 0 {
					break
				}
				time.Sleep(2 * time.Millisecond)
			}
			cancel()
			if left := unsent(t, store); left > 0 {
				t.Fatalf("%d mails still unsent after 20 s", left)
			}
			resp, err := http.Get(api + "/api/messages")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var out struct{ Messages []mailbox.Message }
			if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
				t.Fatal(err)
			}
			per := map[string]int{}
			for _, m := range out.Messages {
				per[strings.Join(m.To, ",")]++
			}
			for to, k := range per {
				if k != 1 {
					t.Errorf("%s got %d copies", to, k)
				}
			}
			if len(per) != n {
				t.Errorf("%d recipients got mail, want %d", len(per), n)
			}
		})
	}
}

func unsent(t *testing.T, s proconnect.Store) int {
	t.Helper()
	log, err := s.Mails(context.Background(), 10000)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range log {
		if m.SentAt == nil {
			n++
		}
	}
	return n
}

// TestOutboxAbandonsAfterItsRetryWindow: an event the portal still refuses,
// and a mail the SMTP server still cannot take, once proconnect.RetryWindow
// has passed since they were created, are abandoned (logged, never tried
// again); a younger one is only put off.
func TestOutboxAbandonsAfterItsRetryWindow(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	ln := httptest.NewUnstartedServer(nil).Listener
	closedAddr := ln.Addr().String()
	ln.Close()
	ctx := context.Background()
	now := time.Now()
	old, young := now.Add(-proconnect.RetryWindow-time.Minute), now.Add(-time.Hour)
	store := inmem.New()
	if err := store.AddEvents(ctx, []proconnect.Event{
		{ID: "old", PortalID: "p", Type: "test", Data: map[string]any{}, CreatedAt: old, NextAttempt: old},
		{ID: "young", PortalID: "p", Type: "test", Data: map[string]any{}, CreatedAt: young, NextAttempt: young},
	}); err != nil {
		t.Fatal(err)
	}
	for _, m := range []proconnect.Mail{{ID: "old", To: "a@exemple.test", CreatedAt: old, NextAttempt: old},
		{ID: "young", To: "b@exemple.test", CreatedAt: young, NextAttempt: young}} {
		if err := store.AddMail(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	set, err := fixtures.Default()
	if err != nil {
		t.Fatal(err)
	}
	var logs strings.Builder
	log := slog.New(slog.NewTextHandler(&logs, nil))
	p, err := newPusher(Config{PublicURL: "http://core.test", Fixtures: set, HTTPClient: http.DefaultClient}, store,
		newPortals([]fixtures.Portal{{ClientID: "p", EventsURL: srv.URL}}, "", store), func() time.Time { return now }, log)
	if err != nil {
		t.Fatal(err)
	}
	mr := newMailer(closedAddr, store, func() time.Time { return now }, log)
	events, _ := store.ClaimEvents(ctx, now, time.Minute, 10)
	for _, e := range events {
		p.deliver(ctx, e)
	}
	mails, _ := store.ClaimMails(ctx, now, time.Minute, 10)
	for _, m := range mails {
		mr.send(ctx, m)
	}
	if len(events) != 2 || len(mails) != 2 {
		t.Fatalf("claimed %d events, %d mails; want 2 and 2", len(events), len(mails))
	}
	elog, _ := store.Events(ctx, 10)
	for _, e := range elog {
		if abandoned := e.AbandonedAt != nil; abandoned != (e.ID == "old") || e.DeliveredAt != nil {
			t.Errorf("event %s: abandoned %v, delivered %v", e.ID, e.AbandonedAt, e.DeliveredAt)
		}
	}
	mlog, _ := store.Mails(ctx, 10)
	for _, m := range mlog {
		if abandoned := m.AbandonedAt != nil; abandoned != (m.ID == "old") || m.SentAt != nil {
			t.Errorf("mail %s: abandoned %v, sent %v", m.ID, m.AbandonedAt, m.SentAt)
		}
	}
	later := now.Add(24 * time.Hour)
	if due, _ := store.ClaimEvents(ctx, later, 0, 10); len(due) != 1 || due[0].ID != "young" {
		t.Errorf("events due a day later: %+v, want only the young one", due)
	}
	if due, _ := store.ClaimMails(ctx, later, 0, 10); len(due) != 1 || due[0].ID != "young" {
		t.Errorf("mails due a day later: %+v, want only the young one", due)
	}
	for _, want := range []string{"event abandoned", "mail abandoned"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the log does not say %q:\n%s", want, logs.String())
		}
	}
}
