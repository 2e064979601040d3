package harness

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cucumber/godog"

	"github.com/proconnect-sandbox/proconnect-sandbox/sandbox"
)

// TestTwoTeamsShareOneSandbox runs the portail suite twice at once against
// one shared sandbox (started with a control token), for two different
// portals: the sandbox's reference portal, and a second reference portal
// of another client_id on another port, as another team's. Each run gets
// its portal's control token at registration and drives the control API
// with it, so that one run's exclusive scenarios (a week passed, deliveries
// held, a new signing key, a refused call) never reach the other's: both
// pass, and every scenario applies.
func TestTwoTeamsShareOneSandbox(t *testing.T) {
	if testing.Short() {
		t.Skip("not tested in -short: two teams sharing one sandbox (the portail suite runs twice)")
	}
	const owner = "jeton-du-bac-a-sable-partage"
	_, u := testStack(t, sandbox.Config{ControlToken: owner})
	teams := []team{{"A (portail-demo)", ReferencePortal(u("portal"))}, secondTeam(t, u("proconnect"), u("piste"))}
	tags := "" // the whole suite
	if raceDetector {
		tags = "@exclusif" // what one team changes that the other could see
	}
	runTeamsAtOnce(t, tags, teams, func(decl *PortalDeclaration) Target {
		return Target{ProConnectURL: u("proconnect"), FranceConnectURL: u("franceconnect"), SireneURL: u("sirene"),
			PisteURL: u("piste"), MailboxURL: u("mailbox"), ControlToken: owner, Portal: decl}
	})
}

// TestRegistrationGivesThePortalToken: registering the portal under test in
// a shared sandbox gives the run its portal's control token (a portal the
// sandbox knows from its fixtures gets one from the owner's token); run
// with it, the portal registers itself again and keeps it.
func TestRegistrationGivesThePortalToken(t *testing.T) {
	const owner = "jeton"
	_, u := testStack(t, sandbox.Config{ControlToken: owner})
	decl := PortalDeclaration{Name: "Portail d'une équipe", ClientID: "portail-equipe", ClientSecret: "secret-equipe",
		RedirectURIs: []string{"http://localhost:8080/retour"}, EventsURL: "http://localhost:8080/api/psp/events",
		StartURL: "http://localhost:8080/demarrer?siren={siren}"}
	for _, d := range []PortalDeclaration{decl, *ReferencePortal(u("portal"))} {
		env := &suiteEnv{portal: d, pisteURL: u("piste"), coreURL: u("proconnect"), control: true, controlToken: owner,
			transport: http.DefaultTransport, noControl: map[string]bool{}}
		var out bytes.Buffer
		if err := env.registerDeclared(context.Background(), &out); err != nil {
			t.Fatalf("%s: %v", d.ClientID, err)
		}
		token := env.portalToken
		if !isPortalToken(token) || env.controlToken != owner || !strings.Contains(out.String(), token) {
			t.Fatalf("%s: the run holds %q for the portail suite after its registration:\n%s", d.ClientID, token, out.String())
		}
		w := &world{env: env, suite: "portail"}
		if w.controlToken() != token {
			t.Errorf("%s: the portail suite drives the sandbox with %q, want its portal's token", d.ClientID, w.controlToken())
		}
		if w.suite = "proconnect"; w.controlToken() != owner {
			t.Errorf("%s: the proconnect suite drives the sandbox with %q, want the owner's token", d.ClientID, w.controlToken())
		}
		// a later run given the portal's token registers it again and keeps it
		later := &suiteEnv{portal: d, pisteURL: u("piste"), coreURL: u("proconnect"), control: true, controlToken: token,
			transport: http.DefaultTransport, noControl: map[string]bool{}}
		if err := later.registerDeclared(context.Background(), &out); err != nil || later.portalToken != "" {
			t.Fatalf("%s registering itself again with its token: %v; new token %q", d.ClientID, err, later.portalToken)
		}
		if code := getStatus(t, u("proconnect")+"/__sandbox/clock", token); code != http.StatusOK {
			t.Errorf("%s: its token after registering itself again: %d, want 200", d.ClientID, code)
		}
	}
}

// TestOutOfScopeIsNotApplicable: a control call refused to the portal's
// token makes the scenario not applicable, saying it needs the owner; the
// same 403 for the owner's token is the scenario's failure to report.
func TestOutOfScopeIsNotApplicable(t *testing.T) {
	refused := &exchange{status: http.StatusForbidden, method: http.MethodPost, url: &url.URL{Path: "/__sandbox/reset"},
		body: []byte(`{"type":"https://proconnect-sandbox.example/problems/control-scope","status":403}`)}
	for token, skip := range map[string]bool{"pct.eA.bm9uY2U.c2ln": true, "jeton-du-proprietaire": false} {
		env := &suiteEnv{controlToken: token}
		w := &world{env: env, name: "X — scénario", suite: "portail"}
		err := w.outOfScope(refused)
		if errors.Is(err, godog.ErrSkip) != skip || (len(env.na) == 1) != skip {
			t.Errorf("token %s: %v, not applicable %v", token, err, env.na)
		}
		if skip && !strings.Contains(env.na[0].Reason, "owner") {
			t.Errorf("the reason does not say the owner's token is needed: %s", env.na[0].Reason)
		}
	}
}

func getStatus(t *testing.T, u, token string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
