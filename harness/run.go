package harness

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/cucumber/godog"

	"github.com/proconnect-sandbox/proconnect-sandbox/features"
	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
	"github.com/proconnect-sandbox/proconnect-sandbox/harness/report"
	"github.com/proconnect-sandbox/proconnect-sandbox/sandbox"
)

// Run runs the suites and reports. Result.Passed is false when an
// applicable scenario failed; the error is for runs that could not happen.
//
// A run goes through phases, each a function below: the options
// completed, the targets aimed at (URLs given, a sandbox running here, or
// one started), probed, registered with, the scenarios run by godog, the
// results tallied and printed, the reports written.
func Run(ctx context.Context, opts RunOptions) (Result, error) {
	res := Result{Started: time.Now()}
	if err := completeOptions(&opts); err != nil {
		return res, err
	}
	env, err := newSuiteEnv(&opts)
	if err != nil {
		return res, err
	}
	defer env.sink.close()
	external, stop, err := env.aimAtTargets(ctx, opts)
	if err != nil {
		return res, err
	}
	defer stop()
	if err := env.probeTargets(ctx, opts, external); err != nil {
		return res, err
	}
	if err := env.registerWithTargets(ctx, opts); err != nil {
		return res, err
	}
	status, err := env.runScenarios(ctx, &opts)
	if err != nil {
		return res, err
	}
	res.Duration = time.Since(res.Started)
	unexpected := env.tally(&res)
	printOutcome(opts.Output, res, unexpected)
	if status == 2 {
		return res, errors.New("la suite n'a pas pu tourner (options ou fichiers de fonctionnalités incorrects)")
	}
	// godog fails the run on an expected failure too; ours does not, but an
	// undefined or pending step (godog's failure, no scenario's) still does.
	res.Passed = res.FailedCount == 0 && (status == 0 || res.ExpectedFailureCount+res.AdvisoryCount > 0)
	res.Verdict = verdict(res, len(unexpected), status)
	printResultLine(opts.Output, res, len(unexpected))
	return res, env.writeReports(opts, res)
}

// completeOptions checks the suites asked for and fills in the defaults:
// every suite, standard output, the embedded fixtures.
func completeOptions(opts *RunOptions) error {
	if len(opts.Suites) == 0 {
		opts.Suites = Suites()
	}
	for _, s := range opts.Suites {
		if !slices.Contains(Suites(), s) {
			return fmt.Errorf("suite inconnue %q (connues : %s)", s, strings.Join(Suites(), ", "))
		}
	}
	if opts.Output == nil {
		opts.Output = os.Stdout
	}
	if opts.Fixtures == nil {
		set, err := fixtures.Default()
		if err != nil {
			return err
		}
		opts.Fixtures = set
	}
	return nil
}

// newSuiteEnv is what the run's scenarios share before any target is
// known: the events sink, the index of the feature files, the status line
// (which then takes the output over) and the report's details.
func newSuiteEnv(opts *RunOptions) (*suiteEnv, error) {
	env := &suiteEnv{fixtures: opts.Fixtures, controlToken: opts.Target.ControlToken, control: !opts.Target.NoControl,
		transport: &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 30 * time.Second}}
	sk, err := newSinkAt(opts.Target.SinkListen, opts.Target.SinkURL)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTarget, err)
	}
	env.sink = sk
	index, err := buildIndex(features.FS, opts.Suites)
	if err != nil {
		sk.close()
		return nil, fmt.Errorf("les fichiers de fonctionnalités : %w", err)
	}
	env.index, env.expected, env.strictRecommendations = index, opts.ExpectedFailures, opts.StrictRecommendations
	if index.count(opts.Tags) == 0 {
		sk.close()
		return nil, fmt.Errorf("--tags %q ne choisit aucun scénario des suites %s (les étiquettes se combinent par « , » pour ou, « && » pour et, « ~ » pour non ; une exigence s'écrit @PSP-EVT-3)",
			opts.Tags, strings.Join(opts.Suites, ", "))
	}
	if opts.Live && opts.TestingT == nil {
		env.live, env.total = &liveWriter{out: opts.Output}, index.count(opts.Tags)
		opts.Output = env.live
		env.live.set(liveLine(0, env.total, 0, 0))
	}
	if opts.HTML != "" {
		env.details = map[string]*report.Detail{}
	}
	return env, nil
}

// aimAtTargets sets the components' URLs: those given (external), a
// sandbox already running on the usual ports for an outside portal
// (external too), or an in-process sandbox it starts; stop closes that
// one.
func (env *suiteEnv) aimAtTargets(ctx context.Context, opts RunOptions) (external bool, stop func(), err error) {
	stop = func() {}
	env.coreURL = strings.TrimRight(opts.Target.ProConnectURL, "/")
	if opts.Target.Portal != nil {
		env.portal = *opts.Target.Portal
	}
	env.fcURL = strings.TrimRight(opts.Target.FranceConnectURL, "/")
	env.sireneURL = strings.TrimRight(opts.Target.SireneURL, "/")
	env.apieURL = strings.TrimRight(opts.Target.APIEntrepriseURL, "/")
	env.pisteURL = strings.TrimRight(opts.Target.PisteURL, "/")
	env.mailboxURL = strings.TrimRight(opts.Target.MailboxURL, "/")
	external = env.fcURL != "" || env.sireneURL != "" || env.pisteURL != "" || env.coreURL != ""
	if external {
		if err := env.checkGivenURLs(opts.Suites); err != nil {
			return false, stop, err
		}
	}
	// An outside portal is set up for the sandbox's usual ports: use a
	// sandbox already running there, or start one there (or, when they are
	// taken, on free ports, and say which).
	outside := opts.Target.Portal != nil && !external
	if outside && env.useLocalSandbox(ctx, opts.Output) {
		external = true
	}
	if !external {
		stop, err = env.startSandbox(ctx, opts, outside)
	}
	return external, stop, err
}

// checkGivenURLs checks that a run against given URLs has the URL of the
// component each selected suite checks.
func (env *suiteEnv) checkGivenURLs(suites []string) error {
	given := map[string]string{"franceconnect": env.fcURL, "sirene": env.sireneURL, "piste": env.pisteURL,
		"proconnect": env.coreURL, "portal": env.portal.EventsURL}
	for _, s := range suites {
		if c := suiteComponent[s]; given[c] == "" {
			return fmt.Errorf("la suite %s s'exécute contre %s : donnez aussi son URL (--%s-url), ou aucune URL pour un bac à sable dans le même processus", s, c, c)
		}
	}
	return nil
}

// useLocalSandbox aims the run at a sandbox answering on this machine's
// usual ports, if there is one, and says so.
func (env *suiteEnv) useLocalSandbox(ctx context.Context, out io.Writer) bool {
	found, ok := findLocalSandbox(ctx, env.transport, usualPorts())
	if !ok {
		return false
	}
	env.coreURL, env.fcURL, env.sireneURL = found["proconnect"], found["franceconnect"], found["sirene"]
	env.pisteURL, env.mailboxURL, env.apieURL = found["piste"], found["mailbox"], found["apientreprise"]
	fmt.Fprintf(out, "Bac à sable trouvé sur ce poste : ProConnect %s, PISTE %s, FranceConnect %s, registre %s, courriels %s.\n",
		env.coreURL, env.pisteURL, env.fcURL, env.sireneURL, env.mailboxURL)
	return true
}

// startSandbox starts an in-process sandbox and aims the run at it: on
// free ports, or on the usual ones for an outside portal (free ones when
// they are taken). stop closes it.
func (env *suiteEnv) startSandbox(ctx context.Context, opts RunOptions, outside bool) (stop func(), err error) {
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
		return func() {}, fmt.Errorf("%w: %v", ErrTarget, err)
	}
	stop = func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = stack.Close(sctx)
	}
	env.pointAt(stack)
	if opts.Target.Portal != nil {
		env.portal = *opts.Target.Portal
	}
	env.control = true
	if outside {
		fmt.Fprintf(opts.Output, "Bac à sable démarré pour la suite : ProConnect %s, PISTE %s, FranceConnect %s, registre %s, courriels %s.\n"+
			"Votre portail doit appeler ce PISTE et ce ProConnect.\n", env.coreURL, env.pisteURL, env.fcURL, env.sireneURL, env.mailboxURL)
	}
	return stop, nil
}

// probeTargets reads FranceConnect's issuers, finds which components have
// no control API, and checks that what each selected suite talks to
// answers at all.
func (env *suiteEnv) probeTargets(ctx context.Context, opts RunOptions, external bool) error {
	if slices.Contains(opts.Suites, "franceconnect") || slices.Contains(opts.Suites, "registre") {
		issuers, err := discoverIssuers(ctx, env.fcURL)
		if err != nil && slices.Contains(opts.Suites, "franceconnect") {
			return fmt.Errorf("%w: %v", ErrTarget, err)
		}
		env.issuers = issuers
	}
	if external && env.control {
		env.noControl = probeControl(ctx, env.transport, env.coreURL, env.fcURL, env.sireneURL, env.pisteURL, env.mailboxURL)
	}
	if err := env.checkReachable(ctx, opts.Suites); err != nil {
		return err
	}
	if slices.Contains(opts.Suites, "portail") {
		return env.probePortal(ctx)
	}
	return nil
}

// checkReachable checks that the components each selected suite talks to
// answer at all.
func (env *suiteEnv) checkReachable(ctx context.Context, suites []string) error {
	needs := map[string][]string{"registre": {"sirene"}, "piste": {"piste"}, "portail": {"piste", "proconnect"}}
	urls := map[string]string{"sirene": env.sireneURL, "piste": env.pisteURL, "proconnect": env.coreURL}
	for _, suite := range suites {
		for _, name := range needs[suite] {
			if urls[name] == "" {
				return fmt.Errorf("la suite %s a aussi besoin de %s : donnez son URL (--%s-url)", suite, name, name)
			}
			if err := reachable(ctx, urls[name]+"/__sandbox/healthz", urls[name]); err != nil {
				return fmt.Errorf("%w : %s (%s) ne répond pas : %v", ErrTarget, name, urls[name], err)
			}
		}
	}
	return nil
}

// probePortal checks that the portal under test is up (every scenario
// would fail else), and whether it has a control API: its journal is read
// for the report only when it is a sandbox component (the reference
// portal); an outside portal gets no requests under /__sandbox/.
func (env *suiteEnv) probePortal(ctx context.Context) error {
	if err := reachable(ctx, env.portal.EventsURL, env.portal.EventsURL); err != nil {
		return fmt.Errorf("%w : le portail sous test ne répond pas sur son events_url %s (%v) : est-il démarré ?", ErrTarget, env.portal.EventsURL, err)
	}
	if env.noControl == nil {
		env.noControl = map[string]bool{}
	}
	for base, missing := range probeControl(ctx, env.transport, env.portal.EventsURL) {
		env.noControl[base] = missing
	}
	return nil
}

// registerWithTargets registers the declared portal at PISTE and
// ProConnect (the portail suite, when the declaration has its secret), and
// sets the FranceConnect clients used on a target without control API.
func (env *suiteEnv) registerWithTargets(ctx context.Context, opts RunOptions) error {
	if slices.Contains(opts.Suites, "portail") && env.portal.ClientSecret != "" {
		if err := env.registerDeclared(ctx, opts.Output); err != nil {
			return fmt.Errorf("%w: %v", ErrTarget, err)
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
	return nil
}

// runScenarios runs the selected scenarios with godog, one world each
// (initScenario), and returns godog's status: 0 passed, 1 failed, 2 could
// not run. A random order's seed is picked here, to say it.
func (env *suiteEnv) runScenarios(ctx context.Context, opts *RunOptions) (int, error) {
	format := formatName(cmp.Or(opts.Format, "pretty"))
	for _, f := range []string{opts.JUnit, opts.Cucumber} {
		if f != "" {
			if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
				return 0, err
			}
		}
	}
	if opts.Cucumber != "" {
		format += ",cucumber:" + opts.Cucumber
	}
	if opts.Random == -1 { // pick the seed here, to say it (godog would not)
		opts.Random = time.Now().UnixNano()
	}
	if opts.Random != 0 {
		fmt.Fprintf(opts.Output, "Ordre aléatoire, graine %d (--random %d rejoue le même ordre).\n", opts.Random, opts.Random)
	}
	env.schedule = newScheduler(opts.Concurrency)
	suite := godog.TestSuite{
		Name: "proconnect-sandbox",
		ScenarioInitializer: func(sc *godog.ScenarioContext) {
			initScenario(sc, env)
		},
		Options: &godog.Options{
			Format: format, Paths: slices.Clone(opts.Suites), FS: features.FS, Tags: opts.Tags, Strict: true,
			Concurrency: godogRate(opts.Concurrency, env.index.countExclusive(opts.Tags)), Randomize: opts.Random, Output: opts.Output,
			TestingT: opts.TestingT, DefaultContext: ctx, NoColors: opts.NoColors || opts.TestingT != nil,
		},
	}
	status := suite.Run()
	if env.live != nil {
		env.live.done()
	}
	return status, nil
}

// tally sorts the scenarios' results into res and counts them; it returns
// the expected failures that passed.
func (env *suiteEnv) tally(res *Result) (unexpected []ScenarioResult) {
	res.NotApplicable = env.na
	res.Scenarios = env.results
	slices.SortFunc(res.Scenarios, func(a, b ScenarioResult) int { return report.CompareIDs(a.ID, b.ID) })
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
	slices.SortFunc(res.NotApplicable, func(a, b NotApplicable) int { return report.CompareIDs(a.Scenario, b.Scenario) })
	return unexpected
}

// printOutcome lists, after godog's output, the scenarios not applicable,
// the expected failures, those that now pass, the recommendations not
// followed and the failures, each with its step and error.
func printOutcome(out io.Writer, res Result, unexpected []ScenarioResult) {
	if len(res.NotApplicable) > 0 {
		fmt.Fprintf(out, "\n%d scénario(s) non applicable(s) à cette cible (comptés « skipped », jamais « passed ») :\n", len(res.NotApplicable))
		for _, n := range res.NotApplicable {
			fmt.Fprintf(out, "  - %s — %s\n", n.Scenario, n.Reason)
		}
	}
	if res.ExpectedFailureCount > 0 {
		fmt.Fprintf(out, "\n%d échec(s) attendu(s) (--expected-failures), sans effet sur le résultat :\n", res.ExpectedFailureCount)
		for _, r := range res.Scenarios {
			if r.Status == StatusExpectedFailure {
				fmt.Fprintf(out, "  - %s — %s (%s)\n", r.ID, r.Name, r.Reason)
			}
		}
	}
	if len(unexpected) > 0 {
		fmt.Fprintf(out, "\n%d échec(s) attendu(s) qui réussissent maintenant : retirez-les du fichier --expected-failures :\n", len(unexpected))
		for _, r := range unexpected {
			fmt.Fprintf(out, "  - %s — %s\n", r.ID, r.Name)
		}
	}
	if res.AdvisoryCount > 0 {
		fmt.Fprintf(out, "\nRecommandations non suivies (@recommande : la suite réussit quand même ; --recommandations-bloquantes les rend bloquantes) :\n")
		for _, r := range res.Scenarios {
			if r.Status == StatusAdvisory {
				fmt.Fprintf(out, "  - %s — %s\n      erreur : %s\n", r.ID, r.Name, strings.ReplaceAll(r.Error, "\n", "\n      "))
			}
		}
	}
	if res.FailedCount-len(unexpected) > 0 {
		printFailures(out, res.Scenarios)
	}
}

// printFailures lists the failed scenarios, each with its failing step and
// error.
func printFailures(out io.Writer, scenarios []ScenarioResult) {
	fmt.Fprintf(out, "\nScénarios en échec (l'identifiant est celui d'un fichier --expected-failures) :\n")
	for _, r := range scenarios {
		if r.Status != StatusFailed {
			continue
		}
		fmt.Fprintf(out, "  - %s — %s\n", r.ID, r.Name)
		if r.FailedStep != "" {
			fmt.Fprintf(out, "      étape : %s\n", r.FailedStep)
		}
		fmt.Fprintf(out, "      erreur : %s\n", strings.ReplaceAll(r.Error, "\n", "\n      "))
	}
}

// printResultLine prints the run's counts in one line.
func printResultLine(out io.Writer, res Result, unexpected int) {
	fmt.Fprintf(out, "\nRésultat : %d réussi(s), %d en échec, %d échec(s) attendu(s), %d non applicable(s)",
		res.PassedCount, res.FailedCount-unexpected, res.ExpectedFailureCount, len(res.NotApplicable))
	if unexpected > 0 {
		fmt.Fprintf(out, ", %d échec(s) attendu(s) qui réussi(ssen)t", unexpected)
	}
	if res.AdvisoryCount > 0 {
		fmt.Fprintf(out, ", %d recommandation(s) non suivie(s)", res.AdvisoryCount)
	}
	fmt.Fprintln(out, ".")
}

// writeReports writes the reports asked for: the JSON summary, JUnit XML
// and the HTML report; with the portail suite, the summary traces the
// portal contract's requirements (printed too with opts.Requirements).
func (env *suiteEnv) writeReports(opts RunOptions, res Result) error {
	target := map[string]string{"proconnect": env.coreURL, "franceconnect": env.fcURL, "sirene": env.sireneURL,
		"piste": env.pisteURL, "mailbox": env.mailboxURL, "portal": env.portal.ClientID}
	sum := summarise(res, opts.Suites, opts.Tags, target)
	sum.Seed = opts.Random
	if slices.Contains(opts.Suites, "portail") {
		reqs, err := Requirements()
		if err != nil {
			return err
		}
		sum.Requirements = trace(reqs, env.index, res.Scenarios)
		if opts.Requirements {
			printTraceability(opts.Output, sum.Requirements)
		}
	}
	if opts.Summary != "" {
		if err := writeJSONFile(opts.Summary, sum); err != nil {
			return err
		}
	}
	if opts.JUnit != "" {
		if err := report.WriteJUnit(opts.JUnit, sum); err != nil {
			return err
		}
	}
	if opts.HTML != "" {
		if err := report.WriteHTML(opts.HTML, sum, env.details); err != nil {
			return err
		}
		fmt.Fprintf(opts.Output, "Rapport HTML : %s\n", opts.HTML)
	}
	return nil
}

// verdict says the run's result in one sentence.
func verdict(res Result, unexpected, status int) string {
	failed := res.FailedCount - unexpected
	var parts []string
	if failed > 0 {
		parts = append(parts, fmt.Sprintf("%d scénario(s) en échec (listés plus haut, chacun avec son étape en échec)", failed))
	}
	if unexpected > 0 {
		parts = append(parts, fmt.Sprintf("%d échec(s) attendu(s) réussissent désormais : retirez-les du fichier --expected-failures", unexpected))
	}
	if len(parts) == 0 && status != 0 && res.ExpectedFailureCount+res.AdvisoryCount == 0 {
		parts = append(parts, "étapes non définies ou en attente (voir plus haut)")
	}
	if len(parts) == 0 {
		return "réussie en " + frenchDuration(res.Duration)
	}
	return "ÉCHEC — " + strings.Join(parts, " ; ")
}
