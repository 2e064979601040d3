package harness

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cucumber/godog"

	"github.com/proconnect-sandbox/proconnect-sandbox/features"
	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
	"github.com/proconnect-sandbox/proconnect-sandbox/harness/report"
	"github.com/proconnect-sandbox/proconnect-sandbox/sandbox"
	"github.com/proconnect-sandbox/proconnect-sandbox/sandbox/layout"
)

// Suites lists the conformance suites, each a folder of features/.
func Suites() []string {
	return []string{"franceconnect", "registre", "piste", "proconnect", "portail"}
}

// suiteComponent is the component each suite checks.
var suiteComponent = map[string]string{"franceconnect": "franceconnect", "registre": "sirene", "piste": "piste",
	"proconnect": "proconnect", "portail": "portal"}

// Target says what the suites run against. An empty URL means the suite
// starts the sandbox in-process on free ports.
type Target struct {
	ProConnectURL string
	// Portal is the portal under test (docs/contrat-portail.md, section 5); nil means the reference
	// portal of the in-process sandbox.
	Portal           *portalDeclaration
	FranceConnectURL string
	SireneURL        string
	PisteURL         string
	// APIEntrepriseURL is API Entreprise (the fallback register); without
	// it the registre suite's API Entreprise scenarios are not applicable.
	APIEntrepriseURL string
	// MailboxURL is the mail catcher's HTTP API, where the scenarios read
	// the mail ProConnect sends; without it they are not applicable.
	MailboxURL string
	// SinkListen and SinkURL place the events endpoint of the portals the
	// proconnect suite registers: where it listens (default a free loopback
	// port) and the base URL ProConnect is given (default its own URL; in a
	// container, e.g. http://conformance:7199).
	SinkListen, SinkURL string
	// ControlToken is sent to the control API of a shared sandbox.
	ControlToken string
	// NoControl declares that the target has no sandbox control API (a real
	// FranceConnect, another implementation): the scenarios that need it are
	// reported as not applicable.
	NoControl bool
	// Client is the FranceConnect service provider used on a target without
	// control API (default: the fixtures' sandbox-fs).
	ClientID, ClientSecret, RedirectURI string
}

// RunOptions configure one conformance run.
type RunOptions struct {
	Suites      []string
	Tags        string
	Format      string // pretty (default) or progress
	JUnit       string // file for JUnit XML, optional
	Cucumber    string // file for cucumber JSON, optional
	Concurrency int
	Random      int64 // 0: file order; -1: a random seed; else the seed
	Output      io.Writer
	Target      Target
	Fixtures    *fixtures.Set
	// ExpectedFailures lists scenarios known to fail (by ID): they do not
	// fail the run, and one that passes does.
	ExpectedFailures ExpectedFailures
	// Summary is a file for the JSON summary, optional.
	Summary string
	// HTML is a file for the self-contained HTML report (steps and the
	// components' journalled exchanges per scenario), optional.
	HTML string
	// TestingT runs the scenarios as subtests of a Go test.
	TestingT *testing.T
	// Live keeps a status line (scenarios done / total, failures) at the
	// bottom of Output, a terminal.
	Live bool
	// NoColors strips ANSI colours (CI logs, files).
	NoColors bool
	// Requirements prints the portal contract's traceability matrix
	// (requirement → scenarios → result) after the run.
	Requirements bool
	// StrictRecommendations makes a failed @recommande scenario (a DEVRAIT
	// requirement) fail the run; by default it is reported apart.
	StrictRecommendations bool
}

// Result sums up a run.
type Result struct {
	Passed bool
	// Verdict is the run's result in one sentence.
	Verdict string
	// Counts of scenarios: passed, failed (unexpected passes included), and
	// not applicable (listed); expected failures and recommendations not
	// followed are counted apart.
	PassedCount, FailedCount, ExpectedFailureCount, AdvisoryCount int
	// Failed names the scenarios that failed ("ID — name").
	Failed        []string
	NotApplicable []NotApplicable
	// Scenarios is every scenario's result, by ID.
	Scenarios []ScenarioResult
	Started   time.Time
	Duration  time.Duration
}

// NotApplicable is a scenario left out because the target lacks something.
type NotApplicable struct{ Scenario, Reason string }

// suiteEnv is what every scenario of a run shares: read-only settings, a
// keep-alive transport and the not-applicable list.
type suiteEnv struct {
	coreURL      string
	described    descriptions // the core's OpenAPI documents
	portal       portalDeclaration
	sink         *sink
	fcURL        string
	sireneURL    string
	apieURL      string // API Entreprise
	pisteURL     string
	mailboxURL   string
	issuers      map[string]string // profile → issuer, read from discovery
	control      bool
	controlToken string
	// portalToken is the portal under test's own control token, which
	// the portail suite's scenarios drive the sandbox with (tenant.go).
	portalToken  string
	fixtures     *fixtures.Set
	external     spClient
	externalPlus spClient
	transport    http.RoundTripper
	attacker     attacker // a key that is not ProConnect's, for forged events
	// strictRecommendations makes a failed @recommande scenario fail the run
	strictRecommendations bool

	// patterns are the step patterns, compiled once for every scenario.
	patterns patternCache

	// schedule lets the scenarios tagged @exclusif, which move shared
	// state (clocks, the mail server), run alone, and the others at most
	// the run's concurrency at once (schedule.go).
	schedule *scheduler

	// noControl lists the components given by URL that have no sandbox
	// control API (another implementation, a real service): the scenarios
	// that need it there are not applicable.
	noControl map[string]bool
	index     scenarioIndex
	expected  ExpectedFailures
	// live is the status line, when asked; total the scenarios selected.
	live  *liveWriter
	total int
	// details are kept for the HTML report only.
	details map[string]*report.Detail

	mu      sync.Mutex
	na      []NotApplicable
	results []ScenarioResult
}

// record keeps a finished scenario's result; key is the world's name (ID —
// name).
func (e *suiteEnv) record(key, id string, pk *godog.Scenario, err error, failedStep string, took time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	r := ScenarioResult{ID: id, Name: pk.Name, Suite: strings.SplitN(pk.Uri, "/", 2)[0], Duration: took, Status: StatusPassed}
	if ex := e.index.example(pk); ex != "" {
		r.Name += " [" + ex + "]" // which row of the outline
	}
	if err != nil {
		r.FailedStep = failedStep
	}
	for _, t := range pk.Tags {
		r.Tags = append(r.Tags, t.Name)
	}
	for _, n := range e.na {
		if n.Scenario == key {
			r.Status, r.Reason = StatusNotApplicable, n.Reason
			e.results = append(e.results, r)
			e.refreshLive()
			return
		}
	}
	reason, expected := e.expected[id]
	switch {
	case err != nil && expected:
		r.Status, r.Error, r.Reason = StatusExpectedFailure, err.Error(), reason
	case err != nil && slices.Contains(r.Tags, "@recommande") && !e.strictRecommendations:
		r.Status, r.Error = StatusAdvisory, err.Error()
	case err != nil:
		r.Status, r.Error = StatusFailed, err.Error()
	case expected:
		r.Status, r.Reason = StatusUnexpectedPass, "listé comme échec attendu ("+reason+") mais réussi : retirez-le du fichier"
		r.ExpectedReason = reason
	}
	e.results = append(e.results, r)
	e.refreshLive()
}

// refreshLive redraws the status line; the caller holds e.mu.
func (e *suiteEnv) refreshLive() {
	if e.live == nil {
		return
	}
	failed, na := 0, 0
	for _, r := range e.results {
		switch r.Status {
		case StatusFailed, StatusUnexpectedPass:
			failed++
		case StatusNotApplicable:
			na++
		}
	}
	e.live.set(liveLine(len(e.results), e.total, failed, na))
}

func (e *suiteEnv) notApplicable(scenario, reason string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, n := range e.na {
		if n.Scenario == scenario {
			return
		}
	}
	e.na = append(e.na, NotApplicable{scenario, reason})
}

// ErrTarget is returned when the target cannot be reached or started.
var ErrTarget = errors.New("cible de la conformité indisponible")

// failedStep is the text of the step that failed, if one did.
func (w *world) failedStep() string {
	for _, s := range w.steps {
		if s.Status == "failed" {
			return s.Text
		}
	}
	return ""
}

// initScenario builds one World per scenario (godog calls it for each
// scenario, also when they run concurrently) and binds the steps to it.
func initScenario(sc *godog.ScenarioContext, env *suiteEnv) {
	w := newWorld(env, "")
	locked := ""
	var id string
	var began time.Time
	reg := &stepRegistry{sc: sc, patterns: &env.patterns}
	registerSteps(reg, w)
	sc.Before(func(ctx context.Context, s *godog.Scenario) (context.Context, error) {
		texts := make([]string, len(s.Steps))
		for i, st := range s.Steps {
			texts[i] = st.Text
		}
		reg.bindTo(texts)
		id, began = env.index.id(s), time.Now()
		w.name, w.began = id+" — "+s.Name, began
		w.suite = strings.SplitN(s.Uri, "/", 2)[0]
		exclusive := false
		for _, t := range s.Tags {
			if t.Name == "@controle" && !env.control {
				env.notApplicable(w.name, "il faut l'API de contrôle du bac à sable, que la cible n'offre pas")
				return ctx, godog.ErrSkip
			}
			exclusive = exclusive || t.Name == "@exclusif"
		}
		w.shared.exclusive = exclusive
		env.schedule.enter(exclusive)
		locked = "r"
		if exclusive {
			locked = "w"
		}
		return ctx, nil
	})
	sc.After(func(ctx context.Context, s *godog.Scenario, err error) (context.Context, error) {
		var restoreErr error
		if locked == "w" {
			restoreErr = w.restoreShared()
			err = errors.Join(err, restoreErr)
		}
		env.record(w.name, id, s, err, w.failedStep(), time.Since(began))
		if env.details != nil {
			d := &report.Detail{Steps: w.steps, Exchanges: w.collectExchanges(), Deliveries: w.collectDeliveries()}
			w.http.mu.Lock()
			d.Portal = w.http.portalLog
			w.http.mu.Unlock()
			env.mu.Lock()
			env.details[id] = d
			env.mu.Unlock()
		}
		if locked != "" {
			env.schedule.leave(locked == "w")
		}
		locked = ""
		return ctx, restoreErr
	})
	sc.StepContext().After(func(ctx context.Context, st *godog.Step, status godog.StepResultStatus, err error) (context.Context, error) {
		r := StepResult{Text: st.Text, Status: status.String()}
		if err != nil {
			r.Error = err.Error()
		}
		w.steps = append(w.steps, r)
		return ctx, nil
	})
}

func defaultFixtures() (*fixtures.Set, error) { return fixtures.Default() }

// reachable checks that a target answers at all (any status): probe is the
// sandbox's healthz, base the fallback for another implementation.
func reachable(ctx context.Context, probe, base string) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var last error
	for _, u := range []string{probe, base} {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			return nil
		}
		last = err
		if ctx.Err() != nil {
			break
		}
	}
	var ue *url.Error
	if errors.As(last, &ue) {
		last = ue.Err
	}
	return last
}

// usualPorts are the components' default ports, but for the reference
// portal's (an outside portal is under test; it may use that port).
func usualPorts() map[string]int {
	ports := map[string]int{layout.SMTPKey: layout.SMTPPort}
	for _, c := range layout.Components() {
		ports[c.Name] = c.Port
	}
	ports["portal"] = 0
	return ports
}

// findLocalSandbox looks for a sandbox answering on these ports of this
// machine: every component but the reference portal.
func findLocalSandbox(ctx context.Context, rt http.RoundTripper, ports map[string]int) (map[string]string, bool) {
	client := &http.Client{Transport: rt, Timeout: 500 * time.Millisecond}
	found := map[string]string{}
	for _, c := range layout.Components() {
		if c.Name == "portal" {
			continue
		}
		base := "http://localhost:" + strconv.Itoa(ports[c.Name])
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/__sandbox/healthz", nil)
		if err != nil {
			return nil, false
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, false
		}
		var h struct{ Component string }
		_ = json.NewDecoder(io.LimitReader(resp.Body, 4096)).Decode(&h)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || h.Component != c.Name {
			return nil, false
		}
		found[c.Name] = base
	}
	return found, true
}

// discoverIssuers reads the issuer of each profile from its discovery
// document, as a relying party does: the target may be reached by another
// name than the one it issues tokens under.
func discoverIssuers(ctx context.Context, base string) (map[string]string, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	out := map[string]string{}
	for profile, prefix := range map[string]string{"low": "/api/v2", "plus": "/plus/api/v2"} {
		u := base + prefix + "/.well-known/openid-configuration"
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		var doc struct {
			Issuer string `json:"issuer"`
		}
		err = json.NewDecoder(resp.Body).Decode(&doc)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || err != nil || doc.Issuer == "" {
			if profile == "plus" {
				continue // a target without FranceConnect+: its scenarios fail on their own
			}
			return nil, fmt.Errorf("%s: status %d, no issuer", u, resp.StatusCode)
		}
		out[profile] = doc.Issuer
	}
	return out, nil
}

var _ fs.FS = features.FS

func writeJSONFile(file string, v any) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(file, append(b, '\n'), 0o644)
}

// probeControl returns the bases (scheme://host) among urls whose
// /__sandbox/healthz does not answer 200.
func probeControl(ctx context.Context, rt http.RoundTripper, urls ...string) map[string]bool {
	out := map[string]bool{}
	client := &http.Client{Transport: rt, Timeout: 3 * time.Second}
	for _, u := range urls {
		base := baseOf(u)
		if base == "" || out[base] {
			continue
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/__sandbox/healthz", nil)
		if err != nil {
			continue
		}
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		if err != nil || resp.StatusCode != http.StatusOK {
			out[base] = true
		}
	}
	return out
}

func baseOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// pointAt aims the run at the components of an in-process stack, the
// reference portal included.
func (e *suiteEnv) pointAt(stack *sandbox.Stack) {
	for _, svc := range stack.Services {
		switch svc.Name {
		case "franceconnect":
			e.fcURL = svc.PublicURL
		case "sirene":
			e.sireneURL = svc.PublicURL
		case "apientreprise":
			e.apieURL = svc.PublicURL
		case "piste":
			e.pisteURL = svc.PublicURL
		case "proconnect":
			e.coreURL = svc.PublicURL
		case "mailbox":
			e.mailboxURL = svc.PublicURL
		case "portal":
			e.portal = *ReferencePortal(svc.PublicURL)
		}
	}
}
