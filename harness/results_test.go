package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/proconnect-sandbox/proconnect-sandbox/features"
	"github.com/proconnect-sandbox/proconnect-sandbox/sandbox"
	"github.com/proconnect-sandbox/proconnect-sandbox/sandbox/sandboxtest"
)

func TestScenarioIDsAreUniqueLines(t *testing.T) {
	idx, err := buildIndex(features.FS, Suites())
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range idx {
		id := e.id
		if seen[id] {
			t.Errorf("two scenarios share the ID %s", id)
		}
		seen[id] = true
		if !strings.Contains(id, ".feature:") {
			t.Errorf("ID %q", id)
		}
	}
	if len(idx) < 250 {
		t.Fatalf("%d scenarios indexed", len(idx))
	}
}

func TestExpectedFailuresFile(t *testing.T) {
	ef, err := parseExpectedFailures(strings.NewReader("# gaps we know\n\nportail/01-integration.feature:22  # ticket 12\nproconnect/02-api.feature:9\n"), "f")
	if err != nil || len(ef) != 2 || ef["portail/01-integration.feature:22"] != "ticket 12" || ef["proconnect/02-api.feature:9"] != "expected failure" {
		t.Fatalf("%v %v", ef, err)
	}
	for _, bad := range []string{"Un scénario par son nom\n", "portail/01-integration.feature:vingt\n"} {
		if _, err := parseExpectedFailures(strings.NewReader(bad), "f"); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestExpectedFailuresAndSummary: a known gap listed by ID does not fail
// the run; once fixed, the same list fails it; the JSON summary counts both.
func TestExpectedFailuresAndSummary(t *testing.T) {
	_, url := testStack(t, sandbox.Config{})
	target := Target{ProConnectURL: url("proconnect"), FranceConnectURL: url("franceconnect"), SireneURL: url("sirene"),
		PisteURL: url("piste"), MailboxURL: url("mailbox"), Portal: ReferencePortal(url("portal"))}
	defects := func(body string) {
		req, _ := http.NewRequest(http.MethodPut, url("portal")+"/__sandbox/defects", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("defects: %v", err)
		}
		resp.Body.Close()
	}
	run := func(expected ExpectedFailures, summary string, html ...string) Result {
		var out bytes.Buffer
		opts := RunOptions{Suites: []string{"portail"}, Tags: "@portail && ~@securite",
			Concurrency: 4, Format: "progress", Output: &out, Target: target, NoColors: true,
			ExpectedFailures: expected, Summary: summary}
		if len(html) > 0 {
			opts.HTML = html[0]
		}
		opts.JUnit = filepath.Join(t.TempDir(), "junit.xml")
		res, err := Run(context.Background(), opts)
		if err != nil {
			t.Fatal(err)
		}
		validateJUnit(t, opts.JUnit, res)
		return res
	}
	defects(`{"no_alternative": true}`)
	report := filepath.Join(t.TempDir(), "rapport.html")
	broken := run(nil, "", report)
	if broken.Passed || len(broken.Failed) == 0 {
		t.Fatal("the broken portal passed")
	}
	checkReportInBrowser(t, report, broken)
	expected := ExpectedFailures{}
	for _, r := range broken.Scenarios {
		if r.Status == StatusFailed {
			expected[r.ID] = "no alternative page yet"
		}
	}
	file := filepath.Join(t.TempDir(), "summary.json")
	known := run(expected, file)
	if !known.Passed || known.ExpectedFailureCount != len(expected) {
		t.Fatalf("with the gaps listed: passed %v, %d expected failures, failed %v", known.Passed, known.ExpectedFailureCount, known.Failed)
	}
	if idx, _ := buildIndex(features.FS, []string{"portail"}); idx.count("@portail && ~@securite") != len(known.Scenarios) {
		t.Fatalf("the index counts %d scenarios for the filter, godog ran %d", idx.count("@portail && ~@securite"), len(known.Scenarios))
	}
	for _, r := range known.Scenarios {
		if !strings.Contains(r.ID, ".feature:") {
			t.Errorf("scenario %q has no file:line ID", r.ID)
		}
	}
	var sum Summary
	b, _ := os.ReadFile(file)
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	if !sum.Passed || sum.Counts[StatusExpectedFailure] != len(expected) || sum.Counts[StatusPassed] == 0 ||
		sum.ByTag["@obligatoire"][StatusPassed] == 0 || sum.BySuite["portail"][StatusExpectedFailure] != len(expected) {
		t.Fatalf("summary %s", b)
	}
	defects(`{}`)
	fixed := run(expected, "")
	if fixed.Passed {
		t.Fatal("expected failures that now pass did not fail the run")
	}
	for _, r := range fixed.Scenarios {
		if _, ok := expected[r.ID]; ok && r.Status != StatusUnexpectedPass {
			t.Fatalf("%s is %s, want unexpected_pass", r.ID, r.Status)
		}
	}
}

// checkReportInBrowser opens the HTML report in headless Chromium and checks,
// in the DOM it built, that a failed scenario is open with its failed step
// and the exchanges it caused across the components.
func checkReportInBrowser(t *testing.T, report string, res Result) {
	t.Helper()
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is not installed: CI must test the HTML report in a browser (apt-get install -y chromium)")
		}
		t.Skip("chromium is not installed: the HTML report was not opened in a browser")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--no-first-run", "--user-data-dir="+t.TempDir(), "--dump-dom", "file://"+report)
	dom, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	doc, err := html.Parse(bytes.NewReader(dom))
	if err != nil {
		t.Fatal(err)
	}
	var failedID string
	for _, r := range res.Scenarios {
		if r.Status == StatusFailed {
			failedID = r.ID
			break
		}
	}
	var found *html.Node
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "details" && attr(n, "id") == failedID {
			found = n
		}
		for c := n.FirstChild; c != nil && found == nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if found == nil {
		t.Fatalf("the report has no section for the failed scenario %s", failedID)
	}
	var open, failedStep bool
	arrows := 0 // the scenario's picture (internal/flowsvg)
	components := map[string]bool{}
	rows := map[string]int{} // table class → rows (header included)
	for _, a := range found.Attr {
		open = open || a.Key == "open"
	}
	var scan func(n *html.Node)
	scan = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "li" && attr(n, "class") == "failed" {
			failedStep = true
		}
		if n.Type == html.ElementNode && n.Data == "a" && attr(n, "class") == "fleche" {
			arrows++
		}
		if n.Type == html.ElementNode && n.Data == "tr" {
			if td := n.FirstChild; td != nil && td.NextSibling != nil {
				components[strings.TrimSpace(textOf(td.NextSibling))] = true
			}
			for p := n.Parent; p != nil; p = p.Parent {
				if p.Data == "table" {
					rows[attr(p, "class")]++
					break
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			scan(c)
		}
	}
	scan(found)
	if !open || !failedStep || !components["proconnect"] || !components["portal"] {
		t.Fatalf("failed scenario %s: open %v, failed step %v, exchanges from %v (want proconnect and portal)", failedID, open, failedStep, components)
	}
	// the suite's own requests to the portal, and ProConnect's deliveries
	// to it with the portal's answers
	if rows["portal"] < 2 || rows["deliveries"] < 2 {
		t.Fatalf("failed scenario %s: %d rows of requests to the portal, %d of deliveries; want both", failedID, rows["portal"]-1, rows["deliveries"]-1)
	}
	if arrows < 2 {
		t.Fatalf("failed scenario %s: its picture has %d arrows, want one per exchange", failedID, arrows)
	}
	if !bytes.Contains(dom, []byte(`id="exigences"`)) || !bytes.Contains(dom, []byte(`class="en_echec"`)) {
		t.Fatal("the report has no requirements matrix with a failed requirement")
	}
	if bytes.Contains(dom, []byte("dirigeant-")) && bytes.Contains(dom, []byte("@exemple.test</td>")) {
		t.Fatal("an email address appears in the exchanges")
	}
}

// TestUndeclaredCapabilitiesAreNotApplicable: a portal that declares no
// status_url and no access URLs gets the scenarios that need them reported
// as not applicable, never passed.
func TestUndeclaredCapabilitiesAreNotApplicable(t *testing.T) {
	_, url := testStack(t, sandbox.Config{})
	decl := ReferencePortal(url("portal"))
	decl.StatusURL, decl.AccessRequestURL, decl.AccessStatusURL = "", "", ""
	var out bytes.Buffer
	junit := filepath.Join(t.TempDir(), "junit.xml")
	res, err := Run(context.Background(), RunOptions{Suites: []string{"portail"}, Concurrency: 4, Format: "progress",
		JUnit: junit, Output: &out, NoColors: true, Target: Target{ProConnectURL: url("proconnect"), FranceConnectURL: url("franceconnect"),
			SireneURL: url("sirene"), PisteURL: url("piste"), MailboxURL: url("mailbox"), Portal: decl}})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Passed {
		t.Fatalf("failed: %v\n%s", res.Failed, out.String())
	}
	validateJUnit(t, junit, res)
	reasons := map[string]int{}
	for _, r := range res.Scenarios {
		if r.Status == StatusNotApplicable {
			reasons[r.Reason]++
		}
		if r.Status == StatusPassed && (strings.Contains(r.ID, "03-collaborateurs") && !strings.Contains(r.Name, "Sans courriel")) {
			t.Errorf("%s passed without an access_request_url", r.ID)
		}
	}
	if reasons["le portail ne déclare pas de status_url"] == 0 || reasons["le portail ne déclare pas de access_request_url"] == 0 {
		t.Fatalf("not-applicable reasons %v", reasons)
	}
	if res.PassedCount+len(res.NotApplicable) != len(res.Scenarios) {
		t.Fatalf("%d passed + %d not applicable != %d scenarios", res.PassedCount, len(res.NotApplicable), len(res.Scenarios))
	}
}

// validateJUnit checks the JUnit file against testdata/junit.xsd with
// xmllint, and its counts against the run's.
func validateJUnit(t *testing.T, file string, res Result) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Skipped  int `xml:"skipped,attr"`
	}
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	skipped := len(res.NotApplicable) + res.ExpectedFailureCount
	if doc.Tests != len(res.Scenarios) || doc.Failures != res.FailedCount || doc.Skipped != skipped {
		t.Fatalf("junit tests %d failures %d skipped %d; run %d, %d, %d", doc.Tests, doc.Failures, doc.Skipped,
			len(res.Scenarios), res.FailedCount, skipped)
	}
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("xmllint is not installed: CI must validate the JUnit report (apt-get install -y libxml2-utils)")
		}
		t.Log("xmllint is not installed: the JUnit report was not validated against its schema")
		return
	}
	if out, err := exec.Command(xmllint, "--noout", "--schema", "testdata/junit.xsd", file).CombinedOutput(); err != nil {
		t.Fatalf("the JUnit report does not validate: %v\n%s", err, out)
	}
}

func TestTagCountMatchesGodog(t *testing.T) {
	idx, err := buildIndex(features.FS, Suites())
	if err != nil {
		t.Fatal(err)
	}
	for filter, want := range map[string]int{"": len(idx)} {
		if got := idx.count(filter); got != want {
			t.Errorf("%q: %d, want %d", filter, got, want)
		}
	}
	all, obligatoire, notObligatoire := idx.count(""), idx.count("@obligatoire"), idx.count("~@obligatoire")
	if obligatoire == 0 || obligatoire+notObligatoire != all {
		t.Fatalf("@obligatoire %d + ~@obligatoire %d != %d", obligatoire, notObligatoire, all)
	}
	if both := idx.count("@portail && @acces"); both == 0 || both > idx.count("@acces") {
		t.Fatalf("@portail && @acces: %d", both)
	}
	if either := idx.count("@piste,@registre"); either != idx.count("@piste")+idx.count("@registre") {
		t.Fatalf("@piste,@registre: %d", either)
	}
}

func TestLiveLineStaysAtTheBottom(t *testing.T) {
	var buf bytes.Buffer
	l := &liveWriter{out: &buf}
	l.set("… 0/2 scénarios")
	_, _ = l.Write([]byte("Scénario : un\n"))
	l.set("… 1/2 scénarios")
	_, _ = l.Write([]byte("."))
	l.set("… 2/2 scénarios, 1 en échec")
	l.done()
	// the dot (a progress line under way) is never erased: the status line
	// waits for the end of that line
	want := "… 0/2 scénarios\r\033[KScénario : un\n… 0/2 scénarios\r\033[K… 1/2 scénarios\r\033[K."
	if buf.String() != want {
		t.Fatalf("%q\nwant %q", buf.String(), want)
	}
}

func TestRunWithLiveLine(t *testing.T) {
	var out bytes.Buffer
	res, err := Run(context.Background(), RunOptions{Suites: []string{"piste"}, Format: "progress", Output: &out,
		NoColors: true, Live: true, Concurrency: 2})
	if err != nil || !res.Passed {
		t.Fatalf("%v %v", err, res.Failed)
	}
	if !strings.Contains(out.String(), fmt.Sprintf("… %d/%d scénarios", len(res.Scenarios), len(res.Scenarios))) {
		t.Fatalf("no final live line in %q", out.String())
	}
}

// TestComponentWithoutControlAPI: a register given by URL without the
// sandbox control API (another implementation) gets the scenarios that
// drive it reported as not applicable; the others run and pass.
func TestComponentWithoutControlAPI(t *testing.T) {
	stack, _ := testStack(t, sandbox.Config{})
	sir, _ := stack.Service("sirene")
	fc, _ := stack.Service("franceconnect")
	apie, _ := stack.Service("apientreprise")
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/__sandbox/") {
			http.NotFound(w, r)
			return
		}
		sir.Handler.ServeHTTP(w, r)
	}))
	defer bare.Close()
	var out bytes.Buffer
	res, err := Run(context.Background(), RunOptions{Suites: []string{"registre"}, Concurrency: 4, Format: "progress",
		Output: &out, NoColors: true, Target: Target{SireneURL: bare.URL, FranceConnectURL: fc.PublicURL, APIEntrepriseURL: apie.PublicURL}})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Passed || len(res.NotApplicable) == 0 || res.PassedCount == 0 {
		t.Fatalf("passed %v, %d passed, %d not applicable, failed %v\n%s", res.Passed, res.PassedCount, len(res.NotApplicable), res.Failed, out.String())
	}
	for _, n := range res.NotApplicable {
		if !strings.Contains(n.Reason, bare.URL) || !strings.Contains(n.Reason, "il faut l'API de contrôle du bac à sable") {
			t.Fatalf("reason %q does not name the register, in French", n.Reason)
		}
	}
}

// testStack starts an in-process sandbox on free ports (cfg.Ports is set
// here) for one test or benchmark; url gives a component's public URL.
func testStack(tb testing.TB, cfg sandbox.Config) (*sandbox.Stack, func(string) string) {
	tb.Helper()
	return sandboxtest.Start(tb, cfg)
}
