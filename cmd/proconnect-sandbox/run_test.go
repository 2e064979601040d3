package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/harness"
)

// syncBuffer is a bytes.Buffer safe to read while run writes to it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

var reListen = regexp.MustCompile(`franceconnect\s+(\S+)\s+(127\.0\.0\.1:\d+)`)

// TestUpServesAndShutsDown runs `up` as main does, on a free port given by
// the environment, polls healthz, then cancels like Ctrl-C.
func TestUpServesAndShutsDown(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() {
		// --portal: a portal team's declaration, registered from the start
		done <- run(ctx, []string{"proconnect-sandbox", "up", "--portal", "../../examples/portail-python/portail.yaml"}, env(map[string]string{
			"PROCONNECT_SANDBOX_FRANCECONNECT_PORT":       "0",
			"PROCONNECT_SANDBOX_PROCONNECT_PORT":          "0",
			"PROCONNECT_SANDBOX_SIRENE_PORT":              "0",
			"PROCONNECT_SANDBOX_PISTE_PORT":               "0",
			"PROCONNECT_SANDBOX_PORTAL_PORT":              "0",
			"PROCONNECT_SANDBOX_MAILBOX_PORT":             "0",
			"PROCONNECT_SANDBOX_MAILBOX_SMTP_PORT":        "0",
			"PROCONNECT_SANDBOX_FRANCECONNECT_PUBLIC_URL": "http://fc.localhost:7101",
		}), &out, &errOut)
	}()
	var addr string
	deadline := time.Now().Add(5 * time.Second)
	for addr == "" && time.Now().Before(deadline) {
		if m := reListen.FindStringSubmatch(out.String()); m != nil {
			if m[1] != "http://fc.localhost:7101" {
				t.Fatalf("public URL %q, want the one from the environment", m[1])
			}
			addr = m[2]
		}
		time.Sleep(5 * time.Millisecond)
	}
	if addr == "" {
		t.Fatalf("no banner; stdout:\n%s\nstderr:\n%s", out.String(), errOut.String())
	}
	if err := waitHealthy(ctx, []string{"http://" + addr}); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + addr + "/api/v2/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("discovery: %d", resp.StatusCode)
	}
	for _, want := range []string{"SERVICES DE TEST SEULEMENT", "/demo", "angela"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("banner lacks %q:\n%s", want, out.String())
		}
	}
	piste := regexp.MustCompile(`piste\s+\S+\s+(127\.0\.0\.1:\d+)`).FindStringSubmatch(out.String())
	if piste == nil {
		t.Fatalf("no PISTE in the banner:\n%s", out.String())
	}
	decl, err := harness.ReadDeclaration("../../examples/portail-python/portail.yaml")
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, "http://"+piste[1]+"/api/oauth/token", strings.NewReader("grant_type=client_credentials&scope=proconnect"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(decl.ClientID, decl.ClientSecret)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("PISTE does not know the portal given by --portal: %v %v", err, resp)
	}
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Fatalf("exit %d; stderr: %s", code, errOut.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("up did not shut down")
	}
}

func TestCommandErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad")
	if err := os.Mkdir(bad, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bad, "personas.yaml"), []byte(`personas:
  - login: ok
    identity: {given_names: [A], family_name: B, birthdate: "1990-13-01", gender: robot}
  - login: ok
    identity: {given_names: [A], family_name: B, birthdate: "1990-01-01"}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "good")
	if err := os.Mkdir(good, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(good, "p.yaml"), []byte(`personas:
  - login: maria
    demonstrates: a team's own persona
    identity: {given_names: [Maria], family_name: LOPEZ, birthdate: "1990-01-01", gender: female,
               birthplace: "75056", birthcountry: "99100", email: maria@example.test}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		args    []string
		env     map[string]string
		code    int
		wantOut string
		wantErr []string
	}{
		{"no command", nil, nil, exitUsage, "", []string{"Usage:"}},
		{"unknown command", []string{"frobnicate"}, nil, exitUsage, "", []string{`commande inconnue "frobnicate"`}},
		{"help", []string{"help"}, nil, exitOK, "proconnect-sandbox up", nil},
		{"version", []string{"version"}, nil, exitOK, "proconnect-sandbox ", nil},
		{"serve without name", []string{"serve"}, nil, exitUsage, "", []string{"quel composant"}},
		{"serve unknown", []string{"serve", "nope"}, nil, exitUsage, "", []string{`composant inconnu "nope"`}},
		{"bad flag", []string{"up", "--frobnicate"}, nil, exitUsage, "", []string{"flag provided but not defined"}},
		{"bad env", []string{"up"}, map[string]string{"PROCONNECT_SANDBOX_FRANCECONNECT_PORT": "abc"}, exitUsage, "",
			[]string{"PROCONNECT_SANDBOX_FRANCECONNECT_PORT"}},
		{"shared without token", []string{"up", "--bind", "0.0.0.0", "--franceconnect-port", "0", "--proconnect-port", "0",
			"--sirene-port", "0", "--piste-port", "0", "--portal-port", "0", "--mailbox-port", "0", "--mailbox-smtp-port", "0"}, nil, exitUsage, "",
			[]string{"jeton de contrôle"}},
		{"fixtures usage", []string{"fixtures"}, nil, exitUsage, "", []string{"fixtures validate DIR"}},
		{"fixtures missing dir", []string{"fixtures", "validate", filepath.Join(dir, "none")}, nil, exitUsage, "", []string{"pas un dossier lisible"}},
		{"fixtures bad", []string{"fixtures", "validate", bad}, nil, exitError, "", []string{
			`personas.yaml: personas[0] ("ok"): identity.birthdate`, `identity.gender: "robot"`, `personas[1] ("ok"): login: duplicates personas[0]`}},
		{"fixtures good", []string{"fixtures", "validate", good}, nil, exitOK, "1 personas", nil},
		{"up with bad fixtures", []string{"up", "--fixtures", bad}, nil, exitUsage, "", []string{"identity.birthdate"}},
		{"conformance bad format", []string{"conformance", "--format", "html"}, nil, exitUsage, "", []string{"--format"}},
		{"conformance unknown suite", []string{"conformance", "--suite", "nope"}, nil, exitUsage, "", []string{`suite inconnue "nope"`}},
		{"conformance unreachable", []string{"conformance", "--suite", "franceconnect", "--franceconnect-url", "http://127.0.0.1:1"}, nil, exitUsage, "", []string{"indisponible"}},
		{"conformance partial target", []string{"conformance", "--franceconnect-url", "http://127.0.0.1:1"}, nil, exitUsage, "", []string{"--sirene-url"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut syncBuffer
			code := run(context.Background(), append([]string{"proconnect-sandbox"}, tc.args...), env(tc.env), &out, &errOut)
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr: %s", code, tc.code, errOut.String())
			}
			if tc.wantOut != "" && !strings.Contains(out.String(), tc.wantOut) {
				t.Errorf("stdout lacks %q:\n%s", tc.wantOut, out.String())
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(errOut.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut.String())
				}
			}
		})
	}
}

// TestConformanceCommand runs the franceconnect suite through the command,
// with a JUnit report, as CI does.
func TestConformanceCommand(t *testing.T) {
	junit := filepath.Join(t.TempDir(), "reports", "junit.xml")
	cucumber := filepath.Join(t.TempDir(), "reports", "cucumber.json")
	var out, errOut syncBuffer
	code := run(context.Background(), []string{"proconnect-sandbox", "conformance", "--suite", "franceconnect",
		"--tags", "@decouverte", "--junit", junit, "--cucumber", cucumber, "--format", "progress"}, env(nil), &out, &errOut)
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
	b, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(`<testsuites name="proconnect-sandbox" tests="5"`)) {
		t.Fatalf("junit:\n%s", b)
	}
	// The cucumber JSON has the shape cucumber's report tools read.
	c, err := os.ReadFile(cucumber)
	if err != nil {
		t.Fatal(err)
	}
	var feats []struct {
		URI      string `json:"uri"`
		Name     string `json:"name"`
		Elements []struct {
			Name  string `json:"name"`
			Type  string `json:"type"`
			Steps []struct {
				Keyword string `json:"keyword"`
				Name    string `json:"name"`
				Result  struct {
					Status string `json:"status"`
				} `json:"result"`
			} `json:"steps"`
		} `json:"elements"`
	}
	if err := json.Unmarshal(c, &feats); err != nil || len(feats) == 0 {
		t.Fatalf("cucumber JSON: %v\n%.300s", err, c)
	}
	scenarios := 0
	for _, f := range feats {
		for _, e := range f.Elements {
			if e.Type != "scenario" || len(e.Steps) == 0 {
				t.Fatalf("element %q of %s: type %q, %d steps", e.Name, f.URI, e.Type, len(e.Steps))
			}
			for _, st := range e.Steps {
				if st.Keyword == "" || st.Result.Status != "passed" {
					t.Fatalf("step %q: keyword %q, status %q", st.Name, st.Keyword, st.Result.Status)
				}
			}
			scenarios++
		}
	}
	if scenarios != 5 {
		t.Fatalf("%d scenarios in the cucumber JSON, want 5", scenarios)
	}
}

// TestConformanceFailsABrokenProvider points the suite at a provider that
// announces itself correctly and then answers nothing right: the command
// must exit 1, with failures, not pass or skip them.
func TestConformanceFailsABrokenProvider(t *testing.T) {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/.well-known/openid-configuration") {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"issuer":"` + srv.URL + strings.TrimSuffix(r.URL.Path, "/.well-known/openid-configuration") + `"}`))
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	var out, errOut syncBuffer
	code := run(context.Background(), []string{"proconnect-sandbox", "conformance", "--suite", "franceconnect",
		"--franceconnect-url", srv.URL, "--no-control", "--format", "progress"}, env(nil), &out, &errOut)
	if code != exitError {
		t.Fatalf("exit %d, want %d\n%s", code, exitError, out.String())
	}
	if !strings.Contains(out.String(), "en échec") || strings.Contains(out.String(), ", 0 en échec") {
		t.Fatalf("no failure counted:\n%s", out.String())
	}
}

// TestConformanceInit writes a declaration that the conformance command
// reads back, and never overwrites a file.
func TestConformanceInit(t *testing.T) {
	file := filepath.Join(t.TempDir(), "mon-portail.yaml")
	var out, errOut syncBuffer
	if code := run(context.Background(), []string{"proconnect-sandbox", "conformance", "init", file}, env(nil), &out, &errOut); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	d, err := readDeclaration(file)
	if err != nil {
		t.Fatal(err)
	}
	if d.ClientID != "mon-portail" || !strings.Contains(d.StartURL, "{siren}") || d.StatusURL == "" || d.AccessRequestURL != "" {
		t.Fatalf("declaration %+v", d)
	}
	if code := run(context.Background(), []string{"proconnect-sandbox", "conformance", "init", file}, env(nil), &out, &errOut); code != exitUsage ||
		!strings.Contains(errOut.String(), "existe déjà") {
		t.Fatalf("second init: exit %d, %s", code, errOut.String())
	}
}

// TestConformanceSummaryAndExpectedFailuresFlags: the summary file is
// written, and a malformed expected-failures file is a usage error.
func TestConformanceSummaryAndExpectedFailuresFlags(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "attendus.txt")
	_ = os.WriteFile(bad, []byte("pas un identifiant\n"), 0o644)
	var out, errOut syncBuffer
	if code := run(context.Background(), []string{"proconnect-sandbox", "conformance", "--expected-failures", bad}, env(nil), &out, &errOut); code != exitUsage {
		t.Fatalf("bad file: exit %d", code)
	}
	summary := filepath.Join(dir, "summary.json")
	code := run(context.Background(), []string{"proconnect-sandbox", "conformance", "--suite", "piste", "--summary", summary,
		"--format", "progress"}, env(nil), &out, &errOut)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, errOut.String())
	}
	b, err := os.ReadFile(summary)
	if err != nil || !bytes.Contains(b, []byte(`"passed": true`)) || !bytes.Contains(b, []byte(`"piste/`)) {
		t.Fatalf("summary %v:\n%.500s", err, b)
	}
}

func TestHealthcheck(t *testing.T) {
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/__sandbox/healthz" {
			http.NotFound(w, r)
		}
	}))
	defer ok.Close()
	port := ok.URL[strings.LastIndexByte(ok.URL, ':')+1:]
	var out, errOut syncBuffer
	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{port}, exitOK},
		{[]string{ok.URL + "/__sandbox/healthz"}, exitOK},
		{[]string{ok.URL + "/ailleurs"}, exitError},
		{[]string{"1"}, exitError}, // nothing listens there
		{[]string{"99999"}, exitUsage},
		{[]string{"pas-une-url"}, exitUsage},
		{nil, exitUsage},
		{[]string{port, ok.URL + "/__sandbox/healthz"}, exitOK},        // every target
		{[]string{port, ok.URL + "/ailleurs"}, exitError},              // one unhealthy is enough
		{[]string{"--wait", "300ms", ok.URL + "/ailleurs"}, exitError}, // still unhealthy when the time is up
		{[]string{"--wait", "300ms", port, ok.URL + "/__sandbox/healthz"}, exitOK},
	} {
		if got := run(context.Background(), append([]string{"proconnect-sandbox", "healthcheck"}, tc.args...), env(nil), &out, &errOut); got != tc.want {
			t.Errorf("healthcheck %v: exit %d, want %d", tc.args, got, tc.want)
		}
	}
	// the targets are asked side by side, and every unhealthy one is named
	var out2, errOut2 syncBuffer
	if got := run(context.Background(), []string{"proconnect-sandbox", "healthcheck", ok.URL + "/ailleurs", port, "http://127.0.0.1:1/"}, env(nil), &out2, &errOut2); got != exitError {
		t.Errorf("healthcheck with two unhealthy targets: exit %d", got)
	}
	if msg := errOut2.String(); !strings.Contains(msg, ok.URL+"/ailleurs a répondu 404") || !strings.Contains(msg, "127.0.0.1:1") ||
		strings.Index(msg, "/ailleurs") > strings.Index(msg, "127.0.0.1:1") {
		t.Errorf("healthcheck should name both unhealthy targets, in order:\n%s", msg)
	}
	// --wait waits for a target that comes up late
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	late := ln.Addr().String()
	ln.Close()
	go func() {
		time.Sleep(300 * time.Millisecond)
		l, err := net.Listen("tcp", late)
		if err != nil {
			return
		}
		_ = http.Serve(l, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	}()
	if got := run(context.Background(), []string{"proconnect-sandbox", "healthcheck", "--wait", "10s", "http://" + late + "/"}, env(nil), &out, &errOut); got != exitOK {
		t.Errorf("healthcheck --wait on a late server: exit %d: %s", got, errOut.String())
	}
}

// TestConformanceComposeMode brings docker-compose.yml up, runs its
// conformance profile (the portail suite) and takes it down. It needs
// Docker and the image (CI builds it first).
func TestConformanceComposeMode(t *testing.T) {
	// under CI=true the Docker tests always run: a missing engine fails them
	if os.Getenv("PROCONNECT_SANDBOX_DOCKER_TESTS") != "1" && os.Getenv("CI") != "true" {
		t.Skip("PROCONNECT_SANDBOX_DOCKER_TESTS=1 (or CI=true) runs the tests that need a Docker engine and the image proconnect-sandbox:dev (.ci/run sets it): the compose mode was not tested")
	}
	if err := exec.Command("docker", "image", "inspect", "proconnect-sandbox:dev").Run(); err != nil {
		t.Fatal("PROCONNECT_SANDBOX_DOCKER_TESTS=1 or CI=true, but no Docker engine or no image proconnect-sandbox:dev (build it: docs/bac-a-sable.md, Conteneurs)")
	}
	if _, err := composeCommand(); err != nil {
		t.Fatal(err)
	}
	// ports the engine picks, and a project of the test's own: it never
	// collides with a sandbox already running, in containers or not
	for _, c := range []string{"PROCONNECT", "FRANCECONNECT", "SIRENE", "PISTE", "PORTAL", "MAILBOX", "MAILBOX_SMTP"} {
		t.Setenv("PROCONNECT_SANDBOX_HOST_PORT_"+c, "")
	}
	project := fmt.Sprintf("pcs-test-%d", os.Getpid())
	var out, errOut syncBuffer
	code := run(context.Background(), []string{"proconnect-sandbox", "conformance", "--compose", "../../docker-compose.yml",
		"--compose-project", project, "--suite", "portail"}, env(nil), &out, &errOut)
	if code != exitOK || !strings.Contains(out.String(), "0 en échec") {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
}
