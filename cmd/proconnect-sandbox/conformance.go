package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/proconnect-sandbox/proconnect-sandbox/harness"
)

// runConformance runs the Gherkin suites. Exit status: 0 every applicable
// scenario passed, 1 failures, 2 bad usage or unreachable target.
func runConformance(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("conformance", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		suites       = fs.String("suite", strings.Join(harness.Suites(), ","), "suites to run, comma-separated ("+strings.Join(harness.Suites(), ", ")+")")
		tags         = fs.String("tags", "", `tag expression, e.g. "@obligatoire && ~@fcplus"`)
		format       = fs.String("format", "pretty", "terminal output: pretty or progress")
		junit        = fs.String("junit", "", "write a JUnit XML report to this file")
		cucumber     = fs.String("cucumber", "", "write a cucumber JSON report to this file")
		concurrency  = fs.Int("concurrency", 4, "scenarios run at once (each creates its own clients and personas)")
		random       = fs.Int64("random", 0, "run scenarios in random order with this seed (-1: pick one)")
		fcURL        = fs.String("franceconnect-url", "", "run against this FranceConnect base URL instead of an in-process sandbox")
		sireneURL    = fs.String("sirene-url", "", "run the registre suite against this register (INSEE Sirene + RNE) base URL")
		apieURL      = fs.String("apientreprise-url", "", "API Entreprise base URL for the registre suite (without it, with other URLs, its API Entreprise scenarios are not applicable)")
		coreURL      = fs.String("proconnect-url", "", "run the proconnect suite against this ProConnect core base URL")
		portalFile   = fs.String("portal", "", "run the portail suite against the portal this declaration YAML describes (docs/contrat-portail.md); without component URLs, the sandbox running on the usual ports, or one started there")
		pisteURL     = fs.String("piste-url", "", "run the piste suite against this PISTE base URL")
		mailboxURL   = fs.String("mailbox-url", "", "read ProConnect's mail from this mailbox (its HTTP API); without it the mail scenarios are not applicable")
		noControl    = fs.Bool("no-control", false, "the target has no sandbox control API: scenarios needing it are not applicable")
		controlToken = fs.String("control-token", "", "bearer token of a shared sandbox's control API: the owner's (--portal then gets the portal its own and runs with it), or the portal's own from an earlier run")
		clientID     = fs.String("fc-client-id", "", "FranceConnect client used on a target without control API (default sandbox-fs)")
		clientSecret = fs.String("fc-client-secret", "", "its secret")
		redirectURI  = fs.String("fc-redirect-uri", "", "its registered redirect_uri (default http://localhost:8080/callback)")
		fixturesDir  = fs.String("fixtures", "", "folder of fixture YAML files loaded on top of the embedded defaults")
		expectedFile = fs.String("expected-failures", "", "file of scenario IDs known to fail (suite/file.feature:line  # reason): they do not fail the run; one that passes does")
		summary      = fs.String("summary", "", "write a JSON summary (counts by status, tag, suite; every scenario) to this file")
		forward      = fs.String("forward", "", "relay local addresses to remote ones during the run, e.g. 127.0.0.1:7101=franceconnect:7101,… (a conformance container next to the sandbox's)")
		sinkListen   = fs.String("sink-listen", "", "where the proconnect suite's events endpoint listens (default a free loopback port), e.g. 0.0.0.0:7199")
		sinkURL      = fs.String("sink-url", "", "the base URL ProConnect is given for that endpoint, e.g. http://conformance:7199")
		composeFile  = fs.String("compose", "", "bring up this docker-compose.yml, run its conformance profile (the suites in a container next to the stack), take it down")
		composeKeep  = fs.Bool("compose-keep", false, "with --compose: leave the stack running afterwards")
		composeName  = fs.String("compose-project", "", "with --compose: the compose project's name (default: the folder's, as compose does)")
		htmlReport   = fs.String("html", "", "write a self-contained HTML report (each scenario's steps and HTTP exchanges) to this file")
		strictRecs   = fs.Bool("recommandations-bloquantes", false, "a recommendation not followed (@recommande, a DEVRAIT of the portal contract) fails the run; by default it is reported apart")
		requirements = fs.Bool("exigences", false, "after the run, print the portal contract's requirements, each with its scenarios and their results (docs/contrat-portail.md)")
		listSteps    = fs.Bool("etapes", false, "print every step sentence the suites know, grouped by the file that defines it, with its Go function and file:line, then exit 0 without running anything")
	)
	fs.Usage = func() {
		fmt.Fprintln(stderr, `Usage: proconnect-sandbox conformance [flags]
       proconnect-sandbox conformance init [FILE]   write a commented portal declaration to start from

Runs the conformance suites (French Gherkin) against an in-process sandbox, or against
the URLs you give. Exit status: 0 passed, 1 failures, 2 bad usage, unreachable target or
a portal the sandbox cannot register.

Your own portal: write its declaration (conformance init), start it, then
  proconnect-sandbox conformance --suite portail --portal portail.yaml --exigences
It uses the sandbox running on the usual ports (up), or starts one there and prints where;
the portal contract the suite checks is docs/contrat-portail.md, the guide docs/conformite.md.

Flags:`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 && fs.Arg(0) == "init" {
		return conformanceInit(fs.Args()[1:], stdout, stderr)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "conformance: argument inattendu %q (vouliez-vous dire « conformance init » ?)\n", fs.Arg(0))
		return exitUsage
	}
	if err := applyEnv(fs, getenv); err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	if err := checkControlToken(fs, *controlToken, getenv); err != nil {
		fmt.Fprintln(stderr, "conformance:", err)
		return exitUsage
	}
	if *listSteps {
		printSteps(stdout, harness.Steps())
		return exitOK
	}
	if *composeFile != "" {
		suitesSet := false
		fs.Visit(func(f *flag.Flag) { suitesSet = suitesSet || f.Name == "suite" })
		s := ""
		if suitesSet {
			s = *suites
		}
		return runComposeConformance(ctx, *composeFile, *composeName, s, *composeKeep, stdout, stderr)
	}
	if *format != "pretty" && *format != "progress" {
		fmt.Fprintf(stderr, "conformance: --format %q : utilisez pretty ou progress\n", *format)
		return exitUsage
	}
	set, err := loadFixtures(*fixturesDir)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	var decl *harness.PortalDeclaration
	if *portalFile != "" {
		d, err := readDeclaration(*portalFile)
		if err != nil {
			fmt.Fprintln(stderr, "conformance:", err)
			return exitUsage
		}
		decl = d
	}
	if *forward != "" {
		routes, err := harness.ParseForwards(*forward)
		if err != nil {
			fmt.Fprintln(stderr, "conformance: --forward:", err)
			return exitUsage
		}
		stop, err := harness.Forward(ctx, routes)
		if err != nil {
			fmt.Fprintln(stderr, "conformance:", err)
			return exitUsage
		}
		defer stop()
	}
	var expected harness.ExpectedFailures
	if *expectedFile != "" {
		ef, err := harness.ReadExpectedFailures(*expectedFile)
		if err != nil {
			fmt.Fprintln(stderr, "conformance: --expected-failures:", err)
			return exitUsage
		}
		expected = ef
	}
	var list []string
	for _, s := range strings.Split(*suites, ",") {
		if s = strings.TrimSpace(s); s != "" {
			list = append(list, s)
		}
	}
	res, err := harness.Run(ctx, harness.RunOptions{
		Suites: list, Tags: *tags, Format: *format, JUnit: *junit, Cucumber: *cucumber,
		Concurrency: *concurrency, Random: *random, Output: stdout, Fixtures: set,
		ExpectedFailures: expected, Summary: *summary, HTML: *htmlReport, Requirements: *requirements, StrictRecommendations: *strictRecs,
		NoColors: getenv("NO_COLOR") != "" || getenv("CI") != "" || !isTerminal(stdout),
		Live:     getenv("CI") == "" && isTerminal(stdout),
		Target: harness.Target{ProConnectURL: *coreURL, Portal: decl, FranceConnectURL: *fcURL, SireneURL: *sireneURL, APIEntrepriseURL: *apieURL, PisteURL: *pisteURL, MailboxURL: *mailboxURL, SinkListen: *sinkListen, SinkURL: *sinkURL, NoControl: *noControl, ControlToken: *controlToken,
			ClientID: *clientID, ClientSecret: *clientSecret, RedirectURI: *redirectURI},
	})
	if err != nil {
		fmt.Fprintln(stderr, "conformance:", err)
		return exitUsage
	}
	if !res.Passed {
		fmt.Fprintln(stderr, "conformance:", res.Verdict)
		return exitError
	}
	fmt.Fprintln(stdout, "conformance:", res.Verdict)
	return exitOK
}

// printSteps writes the step definitions grouped by the file that
// registers them (one file per suite), in registration order: each step's
// pattern, then the function that runs it and where it is registered.
func printSteps(w io.Writer, defs []harness.StepDefinition) {
	var files []string
	byFile := map[string][]harness.StepDefinition{}
	for _, d := range defs {
		if _, ok := byFile[d.File]; !ok {
			files = append(files, d.File)
		}
		byFile[d.File] = append(byFile[d.File], d)
	}
	for i, f := range files {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%s (%d étapes)\n", f, len(byFile[f]))
		for _, d := range byFile[f] {
			fmt.Fprintf(w, "  %s\n      %s  %s:%d\n", d.Pattern, d.Function, d.File, d.Line)
		}
	}
	fmt.Fprintf(w, "\n%d étapes.\n", len(defs))
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// readDeclaration reads a portal declaration (docs/contrat-portail.md,
// section 5).
func readDeclaration(path string) (*harness.PortalDeclaration, error) {
	d, err := harness.ReadDeclaration(path)
	if err != nil {
		return nil, fmt.Errorf("--portal: %w", err)
	}
	return d, nil
}

// declarationTemplate is what conformance init writes: the portal contract's
// declaration (docs/contrat-portail.md, section 5), commented for a portal
// team.
const declarationTemplate = `# Déclaration d'un portail pour la suite de conformité ProConnect.
# Le contrat (exigences, format de chaque URL) : docs/contrat-portail.md du bac à sable.
#
# Lancez : proconnect-sandbox conformance --suite portail --portal %[1]s
# La suite utilise le bac à sable qui tourne déjà sur ce poste (proconnect-sandbox up), ou en
# démarre un sur les ports habituels (ProConnect http://localhost:7100, PISTE http://localhost:7103)
# et les affiche. Elle enregistre ce portail auprès de son PISTE et de son ProConnect.

# Nom affiché aux dirigeants (courriels, pages de ProConnect).
name: Mon portail
# Identifiant et secret du portail chez PISTE : ceux que votre portail utilise.
client_id: mon-portail
client_secret: changez-moi
# Les URL de retour de votre portail après ProConnect (localhost sans port : tout port).
redirect_uris:
  - http://localhost:8080/retour
# Votre API PSP : ProConnect y pousse ses événements (POST, application/jwt).
events_url: http://localhost:8080/api/psp/events
# La page qui lance une certification pour un SIREN ({siren}) et renvoie vers ProConnect.
start_url: http://localhost:8080/demarrer?siren={siren}
# Facultatif : l'état d'un compte, en JSON {"account_state": "pending"|"certified"|"not_certified"|
# "revoked"|"alternative_offered", "events_applied": n}. Sans elle, les scénarios qui en dépendent
# sont « non applicables ».
status_url: http://localhost:8080/api/status/{certification_id}
# Facultatif : la certification d'un compte existant ({account_ref}) pour un SIREN ({siren}).
# certification_url: http://localhost:8080/comptes/{account_ref}/certifier?siren={siren}
# Facultatif : la revérification d'une certification (la suite envoie POST).
# recheck_url: http://localhost:8080/api/reverifier/{certification_id}
# Facultatif : déposer la demande d'accès d'un collaborateur. La suite envoie POST avec le corps JSON
# {"siren", "email", "given_name", "family_name"} ; réponse {"access_request_id": "…"}.
# access_request_url: http://localhost:8080/api/acces
# Facultatif : l'état d'une demande d'accès, {"access_state": "pending"|"approved"|"refused"|"expired"}.
# access_status_url: http://localhost:8080/api/acces/{access_request_id}
`

// conformanceInit writes a commented declaration (default portail.yaml),
// never over an existing file.
func conformanceInit(args []string, stdout, stderr io.Writer) int {
	if len(args) > 1 {
		fmt.Fprintln(stderr, "Usage: proconnect-sandbox conformance init [FILE]")
		return exitUsage
	}
	file := "portail.yaml"
	if len(args) == 1 {
		file = args[0]
	}
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			fmt.Fprintf(stderr, "conformance init: %s existe déjà ; donnez un autre nom de fichier\n", file)
		} else {
			fmt.Fprintln(stderr, "conformance init:", err)
		}
		return exitUsage
	}
	if _, err := fmt.Fprintf(f, declarationTemplate, file); err != nil {
		f.Close()
		fmt.Fprintln(stderr, "conformance init:", err)
		return exitError
	}
	if err := f.Close(); err != nil {
		fmt.Fprintln(stderr, "conformance init:", err)
		return exitError
	}
	fmt.Fprintf(stdout, "%s écrit : complétez-le, démarrez votre portail, puis lancez\n  proconnect-sandbox conformance --suite portail --portal %s\n"+
		"(la commande utilise le bac à sable qui tourne sur ce poste, ou en démarre un sur http://localhost:7100…7106 et dit où)\n", file, file)
	return exitOK
}
