package harness

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/sandbox"
)

// TestEventSurvivesPortalOutageAndCoreRestart: a certification completes
// while its portal is down; the core stops and starts again on the same
// --data; once the portal is back, the event arrives, exactly once.
func TestEventSurvivesPortalOutageAndCoreRestart(t *testing.T) {
	f := newRestartFixture(t)
	env := f.env
	first := f.start()
	w := newWorld(env, "restart")
	if err := w.registerPortal([]string{"proconnect"}); err != nil {
		t.Fatal(err)
	}
	env.sink.fail(w.core.portal, 1_000_000) // the portal is down
	w.register.siren = "732829320"
	if err := w.startCertification(nil); err != nil || w.http.last.status != http.StatusCreated {
		t.Fatalf("start: %v %d %s", err, w.http.last.status, w.http.last.body)
	}
	if err := w.followLogin("dirigeant:{siren}"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, hits := env.sink.events(w.core.portal); hits > 0 {
			break // ProConnect tried, and the portal refused
		}
		if time.Now().After(deadline) {
			t.Fatal("ProConnect never tried to deliver")
		}
		time.Sleep(10 * time.Millisecond)
	}
	f.stop(first)

	second := f.start()
	defer f.stop(second)
	// The base des accès is configuration: the portal registers again,
	// under the same client_id.
	id := w.core.portal
	if err := w.reregisterPortal(); err != nil {
		t.Fatal(err)
	}
	env.sink.fail(id, 0) // the portal is back
	if err := w.coreControl("/clock", map[string]string{"advance": "10m"}); err != nil {
		t.Fatal(err)
	}
	if err := w.waitEvent("certification.completed"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	_ = w.call(http.MethodPost, env.coreURL+"/__sandbox/deliver", nil, nil)
	time.Sleep(100 * time.Millisecond)
	if events, _ := env.sink.events(id); len(events) != 1 {
		t.Fatalf("%d copies accepted, want exactly one", len(events))
	}
}

// TestMailSurvivesOutageAndCoreRestart: an access request is filed while
// the mail server refuses everything; the core stops and starts again on the
// same --data; the mail, kept in the outbox, is sent once a server answers.
func TestMailSurvivesOutageAndCoreRestart(t *testing.T) {
	f := newRestartFixture(t)
	env := f.env
	first := f.start()
	w := newWorld(env, "mail-restart")
	if err := w.registerPortal([]string{"proconnect"}); err != nil {
		t.Fatal(err)
	}
	w.register.siren = "732829320"
	to := "dirigeant-732829320@exemple.test"
	if _, err := w.controlAt(env.sireneURL, http.MethodPut, "/companies/"+w.register.siren+"/contact-email", map[string]string{"contact_email": to}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.controlAt(env.mailboxURL, http.MethodPost, "/smtp-outage", map[string]int{"messages": 1_000_000}); err != nil {
		t.Fatal(err)
	}
	err := w.fileAccessRequest(map[string]any{"siren": w.register.siren,
		"collaborator": map[string]string{"email": "camille@exemple.test", "given_name": "Camille", "family_name": "Martin"}})
	if err != nil || w.http.last.status != http.StatusAccepted {
		t.Fatalf("access request: %v %d %s", err, w.http.last.status, w.http.last.body)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		e, err := w.controlAt(env.coreURL, http.MethodGet, "/mails", nil)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(e.body), "451") {
			break // the core tried, and the server refused
		}
		if time.Now().After(deadline) {
			t.Fatalf("the core never tried to send: %s", e.body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	f.stop(first)

	second := f.start() // a new mailbox, which accepts mail
	defer f.stop(second)
	if err := w.coreControl("/clock", map[string]string{"advance": "10m"}); err != nil {
		t.Fatal(err)
	}
	if err := w.waitMail(to, 1); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(w.mail.message.Text, "Camille Martin") {
		t.Fatalf("mail %q", w.mail.message.Text)
	}
}

// restartFixture starts stacks on one --data folder, one after the other,
// and keeps the suite's environment aimed at the running one.
type restartFixture struct {
	t    *testing.T
	data string
	env  *suiteEnv
}

func newRestartFixture(t *testing.T) *restartFixture {
	set, err := defaultFixtures()
	if err != nil {
		t.Fatal(err)
	}
	f := &restartFixture{t: t, data: t.TempDir(),
		env: &suiteEnv{sink: newSink(), control: true, transport: &http.Transport{}, fixtures: set}}
	t.Cleanup(f.env.sink.close)
	return f
}

// start starts a stack on the data folder and aims the environment at it.
func (f *restartFixture) start() *sandbox.Stack {
	f.t.Helper()
	s, err := sandbox.Start(context.Background(), sandbox.Config{Ports: sandbox.FreePorts(), DataDir: f.data})
	if err != nil {
		f.t.Fatal(err)
	}
	f.env.pointAt(s)
	return s
}

func (f *restartFixture) stop(s *sandbox.Stack) {
	f.t.Helper()
	c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Close(c); err != nil {
		f.t.Fatal(err)
	}
}
