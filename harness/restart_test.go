package harness

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestEventSurvivesPortalOutageAndCoreRestart: a certification completes
// while its portal is down; the core stops and starts again on the same
// --data; once the portal is back, the event arrives, exactly once.
func TestEventSurvivesPortalOutageAndCoreRestart(t *testing.T) {
	data := t.TempDir()
	ctx := context.Background()
	start := func() *Stack {
		t.Helper()
		ports := FreePorts()
		s, err := Start(ctx, StackConfig{Ports: ports, DataDir: data})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	stop := func(s *Stack) {
		c, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if err := s.Close(c); err != nil {
			t.Fatal(err)
		}
	}
	env := &suiteEnv{sink: newSink(), control: true, transport: &http.Transport{}}
	defer env.sink.close()
	point := func(s *Stack) {
		for _, svc := range s.Services {
			switch svc.Name {
			case "proconnect":
				env.coreURL = svc.PublicURL
			case "franceconnect":
				env.fcURL = svc.PublicURL
			case "piste":
				env.pisteURL = svc.PublicURL
			case "sirene":
				env.sireneURL = svc.PublicURL
			}
		}
	}

	first := start()
	point(first)
	set, _ := defaultFixtures()
	env.fixtures = set
	w := newFCWorld(env, "restart")
	if err := w.registerPortal([]string{"proconnect"}); err != nil {
		t.Fatal(err)
	}
	env.sink.fail(w.pc.portal, 1_000_000) // the portal is down
	w.siren = "732829320"
	if err := w.startCertification(nil); err != nil || w.last.status != http.StatusCreated {
		t.Fatalf("start: %v %d %s", err, w.last.status, w.last.body)
	}
	if err := w.followLogin("dirigeant:{siren}"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, hits := env.sink.events(w.pc.portal); hits > 0 {
			break // ProConnect tried, and the portal refused
		}
		if time.Now().After(deadline) {
			t.Fatal("ProConnect never tried to deliver")
		}
		time.Sleep(10 * time.Millisecond)
	}
	stop(first)

	second := start()
	defer stop(second)
	point(second)
	// The base des accès is configuration: the portal registers again,
	// under the same client_id.
	id := w.pc.portal
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
	data := t.TempDir()
	ctx := context.Background()
	start := func() *Stack {
		t.Helper()
		s, err := Start(ctx, StackConfig{Ports: FreePorts(), DataDir: data})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	stop := func(s *Stack) {
		c, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if err := s.Close(c); err != nil {
			t.Fatal(err)
		}
	}
	env := &suiteEnv{sink: newSink(), control: true, transport: &http.Transport{}}
	defer env.sink.close()
	point := func(s *Stack) {
		for _, svc := range s.Services {
			switch svc.Name {
			case "proconnect":
				env.coreURL = svc.PublicURL
			case "franceconnect":
				env.fcURL = svc.PublicURL
			case "piste":
				env.pisteURL = svc.PublicURL
			case "sirene":
				env.sireneURL = svc.PublicURL
			case "mailbox":
				env.mailboxURL = svc.PublicURL
			}
		}
	}
	first := start()
	point(first)
	set, _ := defaultFixtures()
	env.fixtures = set
	w := newFCWorld(env, "mail-restart")
	if err := w.registerPortal([]string{"proconnect"}); err != nil {
		t.Fatal(err)
	}
	w.siren = "732829320"
	to := "dirigeant-732829320@exemple.test"
	if _, err := w.controlAt(env.sireneURL, http.MethodPut, "/companies/"+w.siren+"/contact-email", map[string]string{"contact_email": to}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.controlAt(env.mailboxURL, http.MethodPost, "/smtp-outage", map[string]int{"messages": 1_000_000}); err != nil {
		t.Fatal(err)
	}
	err := w.fileAccessRequest(map[string]any{"siren": w.siren,
		"collaborator": map[string]string{"email": "camille@exemple.test", "given_name": "Camille", "family_name": "Martin"}})
	if err != nil || w.last.status != http.StatusAccepted {
		t.Fatalf("access request: %v %d %s", err, w.last.status, w.last.body)
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
	stop(first)

	second := start() // a new mailbox, which accepts mail
	defer stop(second)
	point(second)
	if err := w.coreControl("/clock", map[string]string{"advance": "10m"}); err != nil {
		t.Fatal(err)
	}
	if err := w.waitMail(to, 1); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(w.mw.mail.Text, "Camille Martin") {
		t.Fatalf("mail %q", w.mw.mail.Text)
	}
}
