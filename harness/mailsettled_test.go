package harness

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fakeOutbox is a core whose mail to one address is in an SMTP session
// until arrival, then sent, and a mailbox that holds it from then on.
func fakeOutbox(t *testing.T, state string, arrival time.Time) *suiteEnv {
	t.Helper()
	var polls atomic.Int64
	core := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/__sandbox/deliver":
			w.WriteHeader(http.StatusAccepted)
		case r.URL.Path == "/__sandbox/mails" && r.URL.Query().Get("to") == "d@exemple.test":
			polls.Add(1)
			w.Header().Set("Content-Type", "application/json")
			mail := state
			if !time.Now().Before(arrival) {
				mail = `"attempts":1,"sent_at":"2026-01-01T00:00:00Z"`
			}
			_, _ = w.Write([]byte(`{"mails":[{"id":"m1","to":"d@exemple.test",` + mail + `}]}`))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(core.Close)
	mailbox := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if time.Now().Before(arrival) {
			_, _ = w.Write([]byte(`{"messages":[]}`))
			return
		}
		_, _ = w.Write([]byte(`{"messages":[{"id":"1","to":["d@exemple.test"],"subject":"Demande d'accès"}]}`))
	}))
	t.Cleanup(mailbox.Close)
	return &suiteEnv{control: true, coreURL: core.URL, mailboxURL: mailbox.URL, transport: &http.Transport{}}
}

// TestNoMailStepCatchesALateMail: "aucun courriel n'arrive" and "n'a reçu
// que N courriels" wait for the core's outbox, not a fixed time, so a mail
// whose SMTP session ends after the old 300 ms wait still fails them; a
// mail whose last attempt failed (the server is down) lets them pass at
// once.
func TestNoMailStepCatchesALateMail(t *testing.T) {
	for _, c := range []struct {
		name, state string
		after       time.Duration
		wantErr     string
	}{
		{"in an SMTP session, arrives late", `"attempts":0,"sending":true`, 3 * strayMailWait / 2, "1 message(s) pour d@exemple.test"},
		{"claimed, not tried yet, arrives late", `"attempts":0`, 3 * strayMailWait / 2, "1 message(s) pour d@exemple.test"},
		{"a retry in an SMTP session, arrives late", `"attempts":1,"last_error":"451","sending":true`, 3 * strayMailWait / 2, "1 message(s) pour d@exemple.test"},
		{"refused, waits for a retry", `"attempts":1,"last_error":"451 try later"`, time.Hour, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			w := newWorld(fakeOutbox(t, c.state, start.Add(c.after)), "late-mail")
			err := w.checkNoMail("d@exemple.test")
			switch {
			case c.wantErr == "" && err != nil:
				t.Fatalf("no mail arrives, yet the step failed: %v", err)
			case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
				t.Fatalf("a mail arrived after %s; the step said %v, want %q", c.after, err, c.wantErr)
			case c.wantErr == "" && time.Since(start) > strayMailWait:
				t.Errorf("the step took %s for a mail waiting for its retry", time.Since(start))
			}
			w2 := newWorld(fakeOutbox(t, c.state, time.Now().Add(c.after)), "late-mail-count")
			if err := w2.checkMailCount("d@exemple.test", 0); (err != nil) != (c.wantErr != "") {
				t.Fatalf("n'a reçu que 0 courriel: %v", err)
			}
		})
	}
}
