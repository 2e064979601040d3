package harness

import (
	"cmp"
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
	portal       portalDeclaration
	sink         *sink
	fcURL        string
	sireneURL    string
	pisteURL     string
	mailboxURL   string
	issuers      map[string]string // profile → issuer, read from discovery
	control      bool
	controlToken string
	fixtures     *fixtures.Set
	external     spClient
	externalPlus spClient
	transport    http.RoundTripper
	attacker     attacker // a key that is not ProConnect's, for forged events
	// strictRecommendations makes a failed @recommande scenario fail the run
	strictRecommendations bool

	// exclusive is held for writing by the scenarios tagged @exclusif,
	// which move shared state (clocks, the mail server), and for reading by
	// every other one.
	exclusive sync.RWMutex

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
	details map[string]*scenarioDetail

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
		r.Status, r.Reason = StatusUnexpectedPass, "listed as an expected failure ("+reason+") but passes: remove it from the file"
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
var ErrTarget = errors.New("conformance target unavailable")

// Run runs the suites and reports. Result.Passed is false when an
// applicable scenario failed; the error is for runs that could not happen.
func Run(ctx context.Context, opts RunOptions) (Result, error) {
	res := Result{Started: time.Now()}
	if len(opts.Suites) == 0 {
		opts.Suites = Suites()
	}
	for _, s := range opts.Suites {
		if !slices.Contains(Suites(), s) {
			return res, fmt.Errorf("unknown suite %q (known: %s)", s, strings.Join(Suites(), ", "))
		}
	}
	if opts.Output == nil {
		opts.Output = os.Stdout
	}
	if opts.Fixtures == nil {
		set, err := fixtures.Default()
		if err != nil {
			return res, err
		}
		opts.Fixtures = set
	}
	env := &suiteEnv{fixtures: opts.Fixtures, controlToken: opts.Target.ControlToken, control: !opts.Target.NoControl,
		transport: &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 30 * time.Second}}
	sk, err := newSinkAt(opts.Target.SinkListen, opts.Target.SinkURL)
	if err != nil {
		return res, fmt.Errorf("%w: %v", ErrTarget, err)
	}
	env.sink = sk
	index, err := buildIndex(features.FS, opts.Suites)
	if err != nil {
		return res, fmt.Errorf("the feature files: %w", err)
	}
	env.index, env.expected, env.strictRecommendations = index, opts.ExpectedFailures, opts.StrictRecommendations
	if index.count(opts.Tags) == 0 {
		return res, fmt.Errorf("--tags %q selects no scenario of the suites %s (tags combine with \",\" for or, \"&&\" for and, \"~\" for not; a requirement is @PSP-EVT-3)",
			opts.Tags, strings.Join(opts.Suites, ", "))
	}
	if opts.Live && opts.TestingT == nil {
		env.live, env.total = &liveWriter{out: opts.Output}, index.count(opts.Tags)
		opts.Output = env.live
		env.live.set(liveLine(0, env.total, 0, 0))
	}
	if opts.HTML != "" {
		env.details = map[string]*scenarioDetail{}
	}
	defer env.sink.close()
	env.coreURL = strings.TrimRight(opts.Target.ProConnectURL, "/")
	if opts.Target.Portal != nil {
		env.portal = *opts.Target.Portal
	}
	env.fcURL = strings.TrimRight(opts.Target.FranceConnectURL, "/")
	env.sireneURL = strings.TrimRight(opts.Target.SireneURL, "/")
	env.pisteURL = strings.TrimRight(opts.Target.PisteURL, "/")
	env.mailboxURL = strings.TrimRight(opts.Target.MailboxURL, "/")
	external := env.fcURL != "" || env.sireneURL != "" || env.pisteURL != "" || env.coreURL != ""
	if external {
		given := map[string]string{"franceconnect": env.fcURL, "sirene": env.sireneURL, "piste": env.pisteURL,
			"proconnect": env.coreURL, "portal": env.portal.EventsURL}
		for _, s := range opts.Suites {
			if c := suiteComponent[s]; given[c] == "" {
				return res, fmt.Errorf("the suite %s runs against %s: give its URL too (--%s-url), or no URL at all for an in-process sandbox", s, c, c)
			}
		}
	}
	// An outside portal is set up for the sandbox's usual ports: use a
	// sandbox already running there, or start one there (or, when they are
	// taken, on free ports, and say which).
	outside := opts.Target.Portal != nil && !external
	if outside {
		if found, ok := findLocalSandbox(ctx, env.transport, usualPorts()); ok {
			env.coreURL, env.fcURL, env.sireneURL = found["proconnect"], found["franceconnect"], found["sirene"]
			env.pisteURL, env.mailboxURL = found["piste"], found["mailbox"]
			external = true
			fmt.Fprintf(opts.Output, "Bac à sable trouvé sur ce poste : ProConnect %s, PISTE %s, FranceConnect %s, registre %s, courriels %s.\n",
				env.coreURL, env.pisteURL, env.fcURL, env.sireneURL, env.mailboxURL)
		}
	}
	if !external {
		ports := sandbox.FreePorts()
		if outside {
			ports = usualPorts()
		}
		stack, err := sandbox.Start(ctx, sandbox.Config{Fixtures: opts.Fixtures, Ports: ports, PublicURLs: map[string]string{}, InternalURLs: map[string]string{}})
		if err != nil && outside {
			fmt.Fprintf(opts.Output, "Les ports habituels du bac à sable sont pris (%v) : il démarre sur d'autres ports.\n", err)
			stack, err = sandbox.Start(ctx, sandbox.Config{Fixtures: opts.Fixtures, Ports: sandbox.FreePorts(), PublicURLs: map[string]string{}, InternalURLs: map[string]string{}})
		}
		if err != nil {
			return res, fmt.Errorf("%w: %v", ErrTarget, err)
		}
		defer func() {
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = stack.Close(sctx)
		}()
		env.pointAt(stack)
		if opts.Target.Portal != nil {
			env.portal = *opts.Target.Portal
		}
		env.control = true
		if outside {
			fmt.Fprintf(opts.Output, "Bac à sable démarré pour la suite : ProConnect %s, PISTE %s, FranceConnect %s, registre %s, courriels %s.\n"+
				"Votre portail doit appeler ce PISTE et ce ProConnect.\n", env.coreURL, env.pisteURL, env.fcURL, env.sireneURL, env.mailboxURL)
		}
	}
	if slices.Contains(opts.Suites, "franceconnect") || slices.Contains(opts.Suites, "registre") {
		issuers, err := discoverIssuers(ctx, env.fcURL)
		if err != nil && slices.Contains(opts.Suites, "franceconnect") {
			return res, fmt.Errorf("%w: %v", ErrTarget, err)
		}
		env.issuers = issuers
	}
	if external && env.control {
		env.noControl = probeControl(ctx, env.transport, env.coreURL, env.fcURL, env.sireneURL, env.pisteURL, env.mailboxURL)
	}
	// the components each selected suite talks to must answer at all
	needs := map[string][]string{"registre": {"sirene"}, "piste": {"piste"}, "portail": {"piste", "proconnect"}}
	urls := map[string]string{"sirene": env.sireneURL, "piste": env.pisteURL, "proconnect": env.coreURL}
	for _, suite := range opts.Suites {
		for _, name := range needs[suite] {
			if urls[name] == "" {
				return res, fmt.Errorf("the suite %s needs %s too: give its URL (--%s-url)", suite, name, name)
			}
			if err := reachable(ctx, urls[name]+"/__sandbox/healthz", urls[name]); err != nil {
				return res, fmt.Errorf("%w: %s (%s) does not answer: %v", ErrTarget, name, urls[name], err)
			}
		}
	}
	if slices.Contains(opts.Suites, "portail") {
		// the portal under test must be up: every scenario would fail else
		if err := reachable(ctx, env.portal.EventsURL, env.portal.EventsURL); err != nil {
			return res, fmt.Errorf("%w: the portal under test does not answer at its events_url %s (%v): is it running?", ErrTarget, env.portal.EventsURL, err)
		}
		// its journal is read for the report only when it is a sandbox
		// component (the reference portal); an outside portal gets no
		// requests under /__sandbox/
		if env.noControl == nil {
			env.noControl = map[string]bool{}
		}
		for base, missing := range probeControl(ctx, env.transport, env.portal.EventsURL) {
			env.noControl[base] = missing
		}
	}
	if slices.Contains(opts.Suites, "portail") && env.portal.ClientSecret != "" {
		if err := env.registerDeclared(ctx, opts.Output); err != nil {
			return res, fmt.Errorf("%w: %v", ErrTarget, err)
		}
	}
	env.external = spClient{id: "sandbox-fs", secret: "sandbox-fs-secret", profile: "low", alg: "ES256",
		redirect: "http://localhost:8080/callback", acr: "eidas1", scopes: lowScopes, entity: "sandbox-fs"}
	if t := opts.Target; t.ClientID != "" {
		env.external.id, env.external.secret, env.external.entity = t.ClientID, t.ClientSecret, t.ClientID
		if t.RedirectURI != "" {
			env.external.redirect = t.RedirectURI
		}
	}
	env.externalPlus = spClient{id: "sandbox-fsplus-clear", secret: "sandbox-fsplus-clear-secret", profile: "plus", alg: "ES256",
		redirect: "http://localhost:8080/callback", acr: "eidas2", scopes: []string{"openid", "identite_pivot", "email", "rnipp_identite_pivot", "amr"},
		entity: "sandbox-fsplus-clear"}

	format := formatName(cmp.Or(opts.Format, "pretty"))
	for _, f := range []string{opts.JUnit, opts.Cucumber} {
		if f != "" {
			if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
				return res, err
			}
		}
	}
	if opts.Cucumber != "" {
		format += ",cucumber:" + opts.Cucumber
	}
	var paths []string
	for _, s := range opts.Suites {
		paths = append(paths, s)
	}
	if opts.Random == -1 { // pick the seed here, to say it (godog would not)
		opts.Random = time.Now().UnixNano()
	}
	if opts.Random != 0 {
		fmt.Fprintf(opts.Output, "Ordre aléatoire, graine %d (--random %d rejoue le même ordre).\n", opts.Random, opts.Random)
	}
	suite := godog.TestSuite{
		Name: "proconnect-sandbox",
		ScenarioInitializer: func(sc *godog.ScenarioContext) {
			initScenario(sc, env)
		},
		Options: &godog.Options{
			Format: format, Paths: paths, FS: features.FS, Tags: opts.Tags, Strict: true,
			Concurrency: max(opts.Concurrency, 1), Randomize: opts.Random, Output: opts.Output,
			TestingT: opts.TestingT, DefaultContext: ctx, NoColors: opts.NoColors || opts.TestingT != nil,
		},
	}
	status := suite.Run()
	if env.live != nil {
		env.live.done()
	}
	res.Duration = time.Since(res.Started)
	res.NotApplicable = env.na
	res.Scenarios = env.results
	slices.SortFunc(res.Scenarios, func(a, b ScenarioResult) int { return compareIDs(a.ID, b.ID) })
	var unexpected []ScenarioResult
	for _, r := range res.Scenarios {
		switch r.Status {
		case StatusPassed:
			res.PassedCount++
		case StatusFailed, StatusUnexpectedPass:
			res.FailedCount++
			res.Failed = append(res.Failed, r.ID+" — "+r.Name)
			if r.Status == StatusUnexpectedPass {
				unexpected = append(unexpected, r)
			}
		case StatusExpectedFailure:
			res.ExpectedFailureCount++
		case StatusAdvisory:
			res.AdvisoryCount++
		}
	}
	slices.SortFunc(res.NotApplicable, func(a, b NotApplicable) int { return compareIDs(a.Scenario, b.Scenario) })
	if len(res.NotApplicable) > 0 {
		fmt.Fprintf(opts.Output, "\n%d scénario(s) non applicable(s) à cette cible (comptés « skipped », jamais « passed ») :\n", len(res.NotApplicable))
		for _, n := range res.NotApplicable {
			fmt.Fprintf(opts.Output, "  - %s — %s\n", n.Scenario, n.Reason)
		}
	}
	if res.ExpectedFailureCount > 0 {
		fmt.Fprintf(opts.Output, "\n%d échec(s) attendu(s) (--expected-failures), sans effet sur le résultat :\n", res.ExpectedFailureCount)
		for _, r := range res.Scenarios {
			if r.Status == StatusExpectedFailure {
				fmt.Fprintf(opts.Output, "  - %s — %s (%s)\n", r.ID, r.Name, r.Reason)
			}
		}
	}
	if len(unexpected) > 0 {
		fmt.Fprintf(opts.Output, "\n%d échec(s) attendu(s) qui réussissent maintenant : retirez-les du fichier --expected-failures :\n", len(unexpected))
		for _, r := range unexpected {
			fmt.Fprintf(opts.Output, "  - %s — %s\n", r.ID, r.Name)
		}
	}
	if res.AdvisoryCount > 0 {
		fmt.Fprintf(opts.Output, "\nRecommandations non suivies (@recommande : la suite réussit quand même ; --recommandations-bloquantes les rend bloquantes) :\n")
		for _, r := range res.Scenarios {
			if r.Status == StatusAdvisory {
				fmt.Fprintf(opts.Output, "  - %s — %s\n      erreur : %s\n", r.ID, r.Name, strings.ReplaceAll(r.Error, "\n", "\n      "))
			}
		}
	}
	if failed := res.FailedCount - len(unexpected); failed > 0 {
		fmt.Fprintf(opts.Output, "\nScénarios en échec (l'identifiant est celui d'un fichier --expected-failures) :\n")
		for _, r := range res.Scenarios {
			if r.Status != StatusFailed {
				continue
			}
			fmt.Fprintf(opts.Output, "  - %s — %s\n", r.ID, r.Name)
			if r.FailedStep != "" {
				fmt.Fprintf(opts.Output, "      étape : %s\n", r.FailedStep)
			}
			fmt.Fprintf(opts.Output, "      erreur : %s\n", strings.ReplaceAll(r.Error, "\n", "\n      "))
		}
	}
	if status == 2 {
		return res, errors.New("the suite could not run (bad options or feature files)")
	}
	// godog fails the run on an expected failure too; ours does not, but an
	// undefined or pending step (godog's failure, no scenario's) still does.
	res.Passed = res.FailedCount == 0 && (status == 0 || res.ExpectedFailureCount+res.AdvisoryCount > 0)
	res.Verdict = verdict(res, len(unexpected), status)
	fmt.Fprintf(opts.Output, "\nRésultat : %d réussi(s), %d en échec, %d échec(s) attendu(s), %d non applicable(s)",
		res.PassedCount, res.FailedCount-len(unexpected), res.ExpectedFailureCount, len(res.NotApplicable))
	if len(unexpected) > 0 {
		fmt.Fprintf(opts.Output, ", %d échec(s) attendu(s) qui réussi(ssen)t", len(unexpected))
	}
	if res.AdvisoryCount > 0 {
		fmt.Fprintf(opts.Output, ", %d recommandation(s) non suivie(s)", res.AdvisoryCount)
	}
	fmt.Fprintln(opts.Output, ".")
	target := map[string]string{"proconnect": env.coreURL, "franceconnect": env.fcURL, "sirene": env.sireneURL,
		"piste": env.pisteURL, "mailbox": env.mailboxURL, "portal": env.portal.ClientID}
	sum := summarise(res, opts.Suites, opts.Tags, target)
	sum.Seed = opts.Random
	if slices.Contains(opts.Suites, "portail") {
		reqs, err := Requirements()
		if err != nil {
			return res, err
		}
		sum.Requirements = trace(reqs, env.index, res.Scenarios)
		if opts.Requirements {
			printTraceability(opts.Output, sum.Requirements)
		}
	}
	if opts.Summary != "" {
		if err := writeJSONFile(opts.Summary, sum); err != nil {
			return res, err
		}
	}
	if opts.JUnit != "" {
		if err := writeJUnit(opts.JUnit, sum); err != nil {
			return res, err
		}
	}
	if opts.HTML != "" {
		if err := writeHTMLReport(opts.HTML, sum, env.details); err != nil {
			return res, err
		}
		fmt.Fprintf(opts.Output, "Rapport HTML : %s\n", opts.HTML)
	}
	return res, nil
}

// verdict says the run's result in one sentence.
func verdict(res Result, unexpected, status int) string {
	failed := res.FailedCount - unexpected
	var parts []string
	if failed > 0 {
		parts = append(parts, fmt.Sprintf("%d scenario(s) failed (listed above, each with its failing step)", failed))
	}
	if unexpected > 0 {
		parts = append(parts, fmt.Sprintf("%d expected failure(s) now pass: remove them from the --expected-failures file", unexpected))
	}
	if len(parts) == 0 && status != 0 && res.ExpectedFailureCount+res.AdvisoryCount == 0 {
		parts = append(parts, "undefined or pending steps (see above)")
	}
	if len(parts) == 0 {
		return fmt.Sprintf("passed in %s", res.Duration.Round(time.Millisecond))
	}
	return "FAILED — " + strings.Join(parts, "; ")
}

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
	sc.Before(func(ctx context.Context, s *godog.Scenario) (context.Context, error) {
		id, began = env.index.id(s), time.Now()
		w.name, w.began = id+" — "+s.Name, began
		exclusive := false
		for _, t := range s.Tags {
			if t.Name == "@controle" && !env.control {
				env.notApplicable(w.name, "needs the sandbox control API, which the target does not offer")
				return ctx, godog.ErrSkip
			}
			exclusive = exclusive || t.Name == "@exclusif"
		}
		w.shared.exclusive = exclusive
		if exclusive {
			env.exclusive.Lock()
			locked = "w"
		} else {
			env.exclusive.RLock()
			locked = "r"
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
			d := &scenarioDetail{steps: w.steps, exchanges: w.collectExchanges(), deliveries: w.collectDeliveries()}
			w.http.mu.Lock()
			d.portal = w.http.portalLog
			w.http.mu.Unlock()
			env.mu.Lock()
			env.details[id] = d
			env.mu.Unlock()
		}
		switch locked {
		case "w":
			env.exclusive.Unlock()
		case "r":
			env.exclusive.RUnlock()
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
	registerSteps(&stepRegistry{sc: sc}, w)
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
