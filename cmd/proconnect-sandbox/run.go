package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
	"github.com/proconnect-sandbox/proconnect-sandbox/harness"
	"github.com/proconnect-sandbox/proconnect-sandbox/sandbox"
	"github.com/proconnect-sandbox/proconnect-sandbox/sandbox/layout"
)

// Exit statuses: 0 success, 1 failures (conformance) or a runtime error,
// 2 bad usage or an unreachable target.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `proconnect-sandbox — the ProConnect sandbox and conformance harness

Usage:
  proconnect-sandbox up [flags]                 start every component in one process
  proconnect-sandbox serve NAME [flags]         start one component (for containers)
  proconnect-sandbox conformance [flags]        run the Gherkin conformance suites
  proconnect-sandbox fixtures validate DIR      check a folder of fixture YAML files
  proconnect-sandbox healthcheck [--wait D] PORT|URL…  exit 0 when every target answers (compose, CI)
  proconnect-sandbox version                    print the version
  proconnect-sandbox help [COMMAND]             this help, or a command's flags

Components: %s.
Every flag has an environment variable: --franceconnect-port is
PROCONNECT_SANDBOX_FRANCECONNECT_PORT, --bind is PROCONNECT_SANDBOX_BIND, and so on.
Flags win over the environment.

This is a test sandbox with public test keys and fictional people. Never use it
as, or in front of, a production service.
`

// gcPercent is the GC target the sandbox runs with unless GOGC is set. It
// was 400, chosen when a FranceConnect flow left about 5 KB behind: the
// heap then grew to five times that (issue 14). Measured since on the
// FranceConnect mock (BenchmarkCodeFlow in a child process, 50,000 flows
// at concurrency 8, two shared cores): 400 gives 153 MiB RSS for 765 µs of
// server CPU a flow, 100 gives 75 MiB for 807 µs (medians of three runs of
// 2,000 flows: 910 against 1,140 µs). GOGC=400 saves 5 to 20 % of CPU for
// twice the memory, which grows with the flows served: not worth it.
const gcPercent = 100

// memoryLimit is the soft memory limit (runtime/debug.SetMemoryLimit) the
// sandbox runs with unless GOMEMLIMIT is set (a container's limit, say).
// With GOGC=100 alone, the heap of a mock serving flows at full speed
// grows to twice what the flows keep live (their tokens, 60 s): measured
// on `serve franceconnect` driven by bench/oidcdriver (50,000 flows,
// concurrency 8, two shared cores, about 800 flows/s), RSS at the end was
// 74.8 MiB without limit for 0.753 ms of server CPU a flow, 64.5 MiB with
// 48 MiB for 0.772 ms, 60.8 MiB with 44 MiB for 0.753 ms, 57.4 MiB with
// 40 MiB for 0.814 ms (one run each; issue 14 asks ≤ 64 MiB). Idle, a component's RSS is about 26 MiB and `up`'s 27 MiB: the
// limit is far above what they hold, and only makes the collector work
// harder when flows pile up. It is soft: a heap that needs more gets it.
const memoryLimit = 44 << 20

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
	if len(args) < 2 {
		fmt.Fprintf(stderr, usage, strings.Join(layout.Names(), ", "))
		return exitUsage
	}
	cmd, rest := args[1], args[2:]
	switch cmd {
	case "up":
		return runUp(ctx, rest, nil, getenv, stdout, stderr)
	case "serve":
		if len(rest) == 0 || strings.HasPrefix(rest[0], "-") {
			fmt.Fprintf(stderr, "serve : quel composant ? l'un de %s\n", strings.Join(layout.Names(), ", "))
			return exitUsage
		}
		if !containsString(layout.Names(), rest[0]) {
			fmt.Fprintf(stderr, "serve : composant inconnu %q (connus : %s)\n", rest[0], strings.Join(layout.Names(), ", "))
			return exitUsage
		}
		return runUp(ctx, rest[1:], []string{rest[0]}, getenv, stdout, stderr)
	case "conformance":
		return runConformance(ctx, rest, getenv, stdout, stderr)
	case "fixtures":
		return runFixtures(rest, stdout, stderr)
	case "healthcheck":
		return runHealthcheck(ctx, rest, stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "proconnect-sandbox", buildVersion())
		return exitOK
	case "help", "-h", "--help":
		if len(rest) > 0 {
			return run(ctx, []string{args[0], rest[0], "--help"}, getenv, stdout, stderr)
		}
		fmt.Fprintf(stdout, usage, strings.Join(layout.Names(), ", "))
		return exitOK
	}
	fmt.Fprintf(stderr, "commande inconnue %q\n\n", cmd)
	fmt.Fprintf(stderr, usage, strings.Join(layout.Names(), ", "))
	return exitUsage
}

func buildVersion() string {
	if version != "dev" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return version
}

// envName maps a flag to its environment variable.
func envName(flagName string) string { return layout.EnvName(flagName) }

// applyEnv sets every flag not given on the command line from its
// environment variable.
func applyEnv(fs *flag.FlagSet, getenv func(string) string) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] {
			return
		}
		if v := getenv(envName(f.Name)); v != "" {
			if err := f.Value.Set(v); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %w", envName(f.Name), v, err))
			}
		}
	})
	return errors.Join(errs...)
}

// checkControlToken refuses a control token given (by flag or environment)
// that cannot protect anything: blank, it would leave the control API open
// while its user believes it protected (a "$TOKEN" never set); with white
// space at an end or a control character, no Authorization header can carry
// it (HTTP trims the ends of a header value), so it would lock the API.
func checkControlToken(fs *flag.FlagSet, token string, getenv func(string) string) error {
	given := getenv(envName("control-token")) != ""
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == "control-token" })
	switch {
	case !given:
		return nil
	case strings.TrimSpace(token) == "":
		return fmt.Errorf("le jeton de contrôle est vide (--control-token ou %s) : il ne protégerait rien ; donnez un vrai jeton, ou aucun sur la boucle locale", envName("control-token"))
	case token != strings.TrimSpace(token) || strings.ContainsFunc(token, unicode.IsControl):
		return fmt.Errorf("le jeton de contrôle commence ou finit par une espace, ou contient un caractère de contrôle (--control-token ou %s), qu'aucun en-tête Authorization ne peut porter : donnez-le sans", envName("control-token"))
	}
	return nil
}

type stackFlags struct {
	bind, fixturesDir, controlToken, logLevel, dataDir, smtpAddr string
	database                                                     string
	smtpUser, smtpPassword, portal                               string
	recheck                                                      time.Duration
	ports                                                        map[string]*int
	public, internal                                             map[string]*string
}

func addStackFlags(fs *flag.FlagSet, only []string) *stackFlags {
	sf := &stackFlags{ports: map[string]*int{}, public: map[string]*string{}, internal: map[string]*string{}}
	fs.StringVar(&sf.bind, "bind", "127.0.0.1", "address to listen on; anything but loopback needs --control-token")
	fs.StringVar(&sf.fixturesDir, "fixtures", "", "folder of fixture YAML files loaded on top of the embedded defaults")
	fs.StringVar(&sf.portal, "portal", "", "a portal's declaration (conformance init): registered at PISTE and the core from the start, to try your portal by hand")
	fs.StringVar(&sf.controlToken, "control-token", "", "bearer token required on /__sandbox/ (required beyond loopback)")
	fs.StringVar(&sf.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&sf.dataDir, "data", "", "folder where the ProConnect core keeps certifications and its event outbox (SQLite); default: in memory")
	fs.StringVar(&sf.database, "database", "", "PostgreSQL URL (postgres://user:password@host:port/db) where the ProConnect core keeps its state, shared by its replicas; not with --data")
	fs.DurationVar(&sf.recheck, "recheck-interval", time.Hour, "period of the core's background re-check of certified dirigeants (0 = never)")
	fs.StringVar(&sf.smtpAddr, "smtp-addr", "", "SMTP server (host:port) the core sends its mail to (default: the mailbox's)")
	fs.StringVar(&sf.smtpUser, "smtp-user", "", "SMTP login (AUTH PLAIN, over STARTTLS or to a loopback server)")
	fs.StringVar(&sf.smtpPassword, "smtp-password", "", "SMTP password (prefer PROCONNECT_SANDBOX_SMTP_PASSWORD)")
	for _, c := range layout.Components() {
		if len(only) == 0 || containsString(only, c.Name) {
			sf.ports[c.Name] = fs.Int(c.Name+"-port", c.Port, c.Title+": port (0 = any free port)")
			if c.Name == "mailbox" {
				sf.ports[layout.SMTPKey] = fs.Int("mailbox-smtp-port", layout.SMTPPort, "mail catcher: SMTP port (0 = any free port)")
			}
		}
		sf.public[c.Name] = fs.String(c.Name+"-public-url", "", c.Title+": URL a browser uses (default http://localhost:PORT)")
		sf.internal[c.Name] = fs.String(c.Name+"-internal-url", "", c.Title+": URL its peers use (default the listening address)")
	}
	return sf
}

func (sf *stackFlags) config(only []string, log *slog.Logger) (sandbox.Config, error) {
	set, err := loadFixtures(sf.fixturesDir)
	if err != nil {
		return sandbox.Config{}, err
	}
	if sf.portal != "" {
		d, err := harness.ReadDeclaration(sf.portal)
		if err != nil {
			return sandbox.Config{}, fmt.Errorf("--portal: %w", err)
		}
		own := &fixtures.Set{Portals: []fixtures.Portal{{Name: d.Name, ClientID: d.ClientID, ClientSecret: d.ClientSecret,
			Scopes: []string{"proconnect"}, RedirectURIs: d.RedirectURIs, EventsURL: d.EventsURL}}}
		if set, err = fixtures.Merge(set, own); err != nil {
			return sandbox.Config{}, fmt.Errorf("--portal: %w", err)
		}
	}
	if err := checkDatabase(sf.dataDir, sf.database); err != nil {
		return sandbox.Config{}, err
	}
	cfg := sandbox.Config{Only: only, Bind: sf.bind, Fixtures: set, ControlToken: sf.controlToken, Logger: log,
		DataDir: sf.dataDir, DatabaseURL: sf.database, RecheckInterval: sf.recheck, SMTPAddr: sf.smtpAddr, SMTPUser: sf.smtpUser, SMTPPassword: sf.smtpPassword,
		Ports: map[string]int{}, PublicURLs: map[string]string{}, InternalURLs: map[string]string{}}
	for name, p := range sf.ports {
		cfg.Ports[name] = *p
	}
	for name := range sf.public {
		cfg.PublicURLs[name] = *sf.public[name]
		cfg.InternalURLs[name] = *sf.internal[name]
	}
	return cfg, nil
}

func loadFixtures(dir string) (*fixtures.Set, error) {
	base, err := fixtures.Default()
	if err != nil {
		return nil, err
	}
	if dir == "" {
		return base, nil
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("dossier de fixtures %q : ce n'est pas un dossier lisible", dir)
	}
	overlay, err := fixtures.Load(os.DirFS(dir))
	if err != nil {
		return nil, err
	}
	return fixtures.Merge(base, overlay)
}

func newLogger(level string, w io.Writer) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q : utilisez debug, info, warn ou error", level)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}

func runUp(ctx context.Context, args, only []string, getenv func(string) string, stdout, stderr io.Writer) int {
	name := "up"
	if only != nil {
		name = "serve " + only[0]
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	sf := addStackFlags(fs, only)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "%s : argument inattendu %q\n", name, fs.Arg(0))
		return exitUsage
	}
	if err := applyEnv(fs, getenv); err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	if err := checkControlToken(fs, sf.controlToken, getenv); err != nil {
		fmt.Fprintf(stderr, "%s : %v\n", name, err)
		return exitUsage
	}
	log, err := newLogger(sf.logLevel, stderr)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	cfg, err := sf.config(only, log)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitUsage
	}
	stack, err := sandbox.Start(ctx, cfg)
	if err != nil {
		fmt.Fprintln(stderr, "démarrage impossible :", err)
		if errors.Is(err, sandbox.ErrControlToken) {
			return exitUsage
		}
		return exitError
	}
	printBanner(stdout, stack, cfg)
	waitErr := make(chan error, 1)
	go func() { waitErr <- stack.Wait() }()
	select {
	case <-ctx.Done():
	case err := <-waitErr:
		if err != nil {
			fmt.Fprintln(stderr, "arrêt sur erreur :", err)
			return exitError
		}
	}
	fmt.Fprintln(stdout, "\narrêt en cours…")
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := stack.Close(sctx); err != nil {
		fmt.Fprintln(stderr, "arrêt :", err)
		return exitError
	}
	return exitOK
}

func printBanner(w io.Writer, s *sandbox.Stack, cfg sandbox.Config) {
	fmt.Fprintln(w, "Bac à sable ProConnect — SERVICES DE TEST SEULEMENT : clés de test publiques, personnes fictives, aucune sécurité.")
	if cfg.ControlToken != "" {
		fmt.Fprintf(w, "À l'écoute sur %s : l'API de contrôle (/__sandbox/) et les messages du récepteur de courriels demandent le jeton (bearer) que vous avez donné.\n", cfg.Bind)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\ncomposant\tURL\técoute sur")
	for _, svc := range s.Services {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", svc.Name, svc.PublicURL, svc.Listen)
	}
	_ = tw.Flush()
	if p, ok := s.Service("portal"); ok {
		fmt.Fprintf(w, "\nCertifier un dirigeant : ouvrez %s, tapez le SIREN 901001008 et connectez-vous comme angela (mot de passe 123).\n", p.PublicURL)
	}
	if pc, ok := s.Service("proconnect"); ok {
		fmt.Fprintf(w, "API ProConnect : %s/api/v1 (OpenAPI : %s/api/v1/openapi.yaml)", pc.PublicURL, pc.PublicURL)
		if cfg.DataDir != "" {
			fmt.Fprintf(w, ", données gardées dans %s", cfg.DataDir)
		}
		if cfg.DatabaseURL != "" {
			fmt.Fprintf(w, ", données gardées dans PostgreSQL (%s)", databaseHost(cfg.DatabaseURL))
		}
		fmt.Fprintln(w)
		fmt.Fprintf(w, "Courriel de contact et collaborateurs : %s/contact (connexion comme dirigeant:<siren>), puis %s/collaborateur.\n",
			pc.PublicURL, portalURL(s))
	}
	if mb, ok := s.Service("mailbox"); ok {
		sm, _ := s.SMTPAddr()
		if cfg.SMTPAddr != "" {
			fmt.Fprintf(w, "Courriels : le cœur les envoie à %s (--smtp-addr) ; le récepteur les prend toujours sur %s, à lire sur %s\n",
				cfg.SMTPAddr, sm, mb.PublicURL)
		} else {
			fmt.Fprintf(w, "Courriels : à lire sur %s (SMTP sur %s)\n", mb.PublicURL, sm)
		}
	}
	if fc, ok := s.Service("franceconnect"); ok {
		fmt.Fprintf(w, "\nFranceConnect seul : ouvrez %s/demo et choisissez une persona.\n", fc.PublicURL)
		fmt.Fprintf(w, "Émetteur FranceConnect : %s/api/v2 (client sandbox-fs / sandbox-fs-secret, redirection http://localhost:<port>/callback)\n", fc.PublicURL)
		fmt.Fprintf(w, "Émetteur FranceConnect+ : %s/plus/api/v2\n", fc.PublicURL)
		fmt.Fprintln(w, "Personas (mot de passe 123) : angela (dirigeante du SIREN 901001008), jean-philippe (plusieurs prénoms),")
		fmt.Fprintln(w, "  ne-etranger (né à l'étranger), xavi / creus (eIDAS), access_denied, sans_genre (Y600006).")
	}
	fmt.Fprintln(w, "\nCtrl-C arrête le bac à sable.")
}

func runFixtures(args []string, stdout, stderr io.Writer) int {
	if len(args) != 2 || args[0] != "validate" {
		fmt.Fprintln(stderr, "usage: proconnect-sandbox fixtures validate DIR")
		return exitUsage
	}
	dir := args[1]
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		fmt.Fprintf(stderr, "fixtures validate : %q n'est pas un dossier lisible\n", dir)
		return exitUsage
	}
	set, err := fixtures.Load(os.DirFS(dir))
	if err == nil {
		_, err = fixtures.Merge(mustDefault(), set)
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitError
	}
	fmt.Fprintf(stdout, "%s : %d personas, %d clients FranceConnect, %d entreprises, %d portails, %d clés — valide\n",
		dir, len(set.Personas), len(set.Clients), len(set.Companies), len(set.Portals), len(set.Keys))
	return exitOK
}

func mustDefault() *fixtures.Set {
	s, err := fixtures.Default()
	if err != nil {
		panic(err) // the embedded set is tested
	}
	return s
}

func containsString(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// portalURL is the reference portal's public URL, or its default.
func portalURL(s *sandbox.Stack) string {
	if p, ok := s.Service("portal"); ok {
		return p.PublicURL
	}
	return "http://localhost:7104"
}
