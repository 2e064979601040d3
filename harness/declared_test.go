package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/mocks/portal"
	"github.com/proconnect-sandbox/proconnect-sandbox/sandbox"
)

// TestDeclaredPortalIsRegistered: the portal a team declares is registered
// at PISTE and at the core before anything runs; a registration the
// sandbox refuses, or credentials PISTE refuses, stop the run with the
// reason.
func TestDeclaredPortalIsRegistered(t *testing.T) {
	_, u := testStack(t, sandbox.Config{ControlToken: "jeton"})
	decl := PortalDeclaration{Name: "Portail d'une équipe", ClientID: "portail-equipe", ClientSecret: "secret-equipe",
		RedirectURIs: []string{"http://localhost:8080/retour"}, EventsURL: "http://localhost:8080/api/psp/events",
		StartURL: "http://localhost:8080/demarrer?siren={siren}"}
	env := func(token string, control bool) *suiteEnv {
		return &suiteEnv{portal: decl, pisteURL: u("piste"), coreURL: u("proconnect"), control: control, controlToken: token,
			transport: http.DefaultTransport, noControl: map[string]bool{}}
	}
	var out bytes.Buffer
	// an unknown portal, without control API: PISTE refuses it its token
	err := env("", false).registerDeclared(context.Background(), &out)
	if err == nil || !strings.Contains(err.Error(), "refuse son jeton au portail déclaré portail-equipe") {
		t.Fatalf("unregistered portal: %v", err)
	}
	// a shared sandbox without its control token: the registration says so
	err = env("", true).registerDeclared(context.Background(), &out)
	if err == nil || !strings.Contains(err.Error(), "enregistrement du portail portail-equipe auprès de PISTE") || !strings.Contains(err.Error(), "--control-token") {
		t.Fatalf("without the control token: %v", err)
	}
	if err := env("jeton", true).registerDeclared(context.Background(), &out); err != nil {
		t.Fatalf("registration: %v", err)
	}
	// a portal of the sandbox's own fixtures is kept as it is (its events
	// go to the reference portal's internal URL, which a declaration
	// written for browsers does not know)
	ref := env("jeton", true)
	ref.portal = *ReferencePortal("http://localhost:7104")
	out.Reset()
	if err := ref.registerDeclared(context.Background(), &out); err != nil || !strings.Contains(out.String(), "le garde tel quel") {
		t.Fatalf("the reference portal: %v\n%s", err, out.String())
	}
	// PISTE gives the portal a token the core accepts: it knows the portal
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"proconnect"}}
	req, _ := http.NewRequest(http.MethodPost, u("piste")+"/api/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("portail-equipe", "secret-equipe")
	tok := struct {
		AccessToken string `json:"access_token"`
	}{}
	getJSON(t, req, &tok)
	req, _ = http.NewRequest(http.MethodGet, u("proconnect")+"/api/v1/certifications/inconnue", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("the core answered %d to the registered portal, want 404 (known portal, unknown certification)", resp.StatusCode)
	}
}

// TestFailureNamesTheRefusedTokenRequest: when the portal under test cannot
// get its PISTE token (here it sends a secret that is not the declared
// one), the failing step says so, from what PISTE journalled.
func TestFailureNamesTheRefusedTokenRequest(t *testing.T) {
	_, u := testStack(t, sandbox.Config{})
	ts := httptest.NewUnstartedServer(nil)
	base := "http://" + ts.Listener.Addr().String()
	p, err := portal.New(portal.Config{PublicURL: base, ProConnectURL: u("proconnect"), PisteURL: u("piste"),
		ClientID: "portail-demo", ClientSecret: "pas-le-secret-declare"})
	if err != nil {
		t.Fatal(err)
	}
	ts.Config.Handler = p
	ts.Start()
	defer ts.Close()
	var out bytes.Buffer
	res, err := Run(context.Background(), RunOptions{Suites: []string{"portail"}, Tags: "@PSP-PAR-1", Format: "progress",
		Output: &out, NoColors: true, Target: Target{ProConnectURL: u("proconnect"), FranceConnectURL: u("franceconnect"),
			SireneURL: u("sirene"), PisteURL: u("piste"), MailboxURL: u("mailbox"), Portal: ReferencePortal(base)}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Passed || len(res.Scenarios) == 0 {
		t.Fatalf("the run passed with a portal that cannot get a token:\n%s", out.String())
	}
	msg := res.Scenarios[0].Error
	for _, want := range []string{"PISTE a répondu 401 à l'appel POST /api/oauth/token du portail", "invalid_client", "client_id et son client_secret"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the failure does not say %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "<style") || strings.Contains(msg, "<head") {
		t.Errorf("the failure quotes the page's markup:\n%s", msg)
	}
}

// TestOutsidePortalFindsRunningSandbox: a sandbox answering on the ports
// looked at is found, component by component; one missing is not a
// sandbox.
func TestOutsidePortalFindsRunningSandbox(t *testing.T) {
	stack, _ := testStack(t, sandbox.Config{})
	ports := map[string]int{}
	for _, s := range stack.Services {
		_, p, _ := strings.Cut(strings.TrimPrefix(s.PublicURL, "http://"), ":")
		ports[s.Name], _ = strconv.Atoi(p)
	}
	found, ok := findLocalSandbox(context.Background(), http.DefaultTransport, ports)
	if !ok || found["proconnect"] != "http://localhost:"+strconv.Itoa(ports["proconnect"]) || found["mailbox"] == "" {
		t.Fatalf("found %v, %v", found, ok)
	}
	ports["piste"] = ports["franceconnect"] // another component there
	if found, ok := findLocalSandbox(context.Background(), http.DefaultTransport, ports); ok {
		t.Fatalf("found a sandbox with FranceConnect on PISTE's port: %v", found)
	}
}

func getJSON(t *testing.T, req *http.Request, v any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %d %s", req.Method, req.URL, resp.StatusCode, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}
