package sandbox

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/proconnect-sandbox/proconnect-sandbox/control"
	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
	"github.com/proconnect-sandbox/proconnect-sandbox/internal/filelock"
	"github.com/proconnect-sandbox/proconnect-sandbox/mocks/apientreprise"
	"github.com/proconnect-sandbox/proconnect-sandbox/mocks/franceconnect"
	"github.com/proconnect-sandbox/proconnect-sandbox/mocks/mailbox"
	"github.com/proconnect-sandbox/proconnect-sandbox/mocks/piste"
	"github.com/proconnect-sandbox/proconnect-sandbox/mocks/portal"
	"github.com/proconnect-sandbox/proconnect-sandbox/mocks/sirene"
	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect/httpapi"
	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect/inmem"
	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect/postgres"
	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect/sqlite"
	"github.com/proconnect-sandbox/proconnect-sandbox/sandbox/layout"
)

// Peer is how a component is reached: by browsers (Public) and by its peers
// (Internal); the mailbox also takes mail on SMTP (host:port).
type Peer struct{ Public, Internal, SMTP string }

type buildEnv struct {
	public, internal string
	peers            map[string]Peer
	fixtures         *fixtures.Set
	kit              *control.Kit
	log              *slog.Logger
	dataDir          string // the core's store: SQLite there, or in memory
	databaseURL      string // or PostgreSQL there
	recheck          time.Duration
	smtp             net.Listener // the mailbox's
	smtpAddr         string       // where the core sends mail, when not the mailbox
	smtpUser, smtpPW string
}

// runner is a component with background work (the core's event delivery).
type runner interface {
	Run(ctx context.Context) error
}

// builders make each component of the layout once every URL is known.
var builders = map[string]func(env buildEnv) (http.Handler, error){
	"proconnect": buildCore,
	"franceconnect": func(e buildEnv) (http.Handler, error) {
		return franceconnect.New(franceconnect.Config{PublicURL: e.public, InternalURL: e.internal,
			Fixtures: e.fixtures, Kit: e.kit, Logger: e.log})
	},
	"sirene": func(e buildEnv) (http.Handler, error) {
		return sirene.New(sirene.Config{PublicURL: e.public, Fixtures: e.fixtures, Kit: e.kit, Logger: e.log})
	},
	"apientreprise": func(e buildEnv) (http.Handler, error) {
		// companies are read at the register mock, so that a scenario's
		// change there is seen here too (one container each with compose)
		return apientreprise.New(apientreprise.Config{PublicURL: e.public, Fixtures: e.fixtures,
			RegisterURL: e.peers["sirene"].Internal, ControlToken: e.kit.Token, Kit: e.kit, Logger: e.log})
	},
	"piste": func(e buildEnv) (http.Handler, error) {
		return piste.New(piste.Config{PublicURL: e.public, Fixtures: e.fixtures, Kit: e.kit, Logger: e.log})
	},
	"mailbox": func(e buildEnv) (http.Handler, error) {
		return &mailboxRunner{Mailbox: mailbox.New(mailbox.Config{Kit: e.kit, Logger: e.log}), ln: e.smtp}, nil
	},
	"portal": func(e buildEnv) (http.Handler, error) {
		p, ok := e.fixtures.Portal("portail-demo")
		if !ok {
			return nil, errors.New("the fixtures hold no portal portail-demo")
		}
		return portal.New(portal.Config{PublicURL: e.public, ProConnectURL: e.peers["proconnect"].Internal,
			ProConnectIssuer: e.peers["proconnect"].Public, PisteURL: e.peers["piste"].Internal,
			ClientID: p.ClientID, ClientSecret: p.ClientSecret, Kit: e.kit, Logger: e.log, Journals: journalPeers(e.peers)})
	},
}

// mailboxRunner serves the mailbox's SMTP side while the stack runs.
type mailboxRunner struct {
	*mailbox.Mailbox
	ln net.Listener
}

func (m *mailboxRunner) Run(ctx context.Context) error {
	go func() {
		<-ctx.Done()
		_ = m.Close()
	}()
	return m.ServeSMTP(m.ln)
}

// OpenStore is the core's store: PostgreSQL at databaseURL when it is set
// (replicas share it), SQLite in dataDir/proconnect.db when dataDir is set
// (a restart loses nothing), else in memory. The one place the store is
// chosen.
func OpenStore(ctx context.Context, dataDir, databaseURL string) (proconnect.Store, error) {
	if databaseURL != "" {
		if dataDir != "" {
			return nil, errors.New("--data and --database are both given: the core keeps its state in one store")
		}
		return postgres.Open(ctx, databaseURL, 15*time.Second)
	}
	if dataDir == "" {
		return inmem.New(), nil
	}
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, fmt.Errorf("--data: %w", err)
	}
	s, err := sqlite.Open(filepath.Join(dataDir, "proconnect.db"))
	if held := (*filelock.HeldError)(nil); errors.As(err, &held) {
		return nil, fmt.Errorf("--data %s: this folder is in use by another sandbox (%s); stop it, or give this one another folder",
			dataDir, cmp.Or(held.Holder, "a process that did not say which"))
	}
	return s, err
}

// buildCore opens the core's store and builds the core, which closes the
// store when its Run ends.
func buildCore(e buildEnv) (http.Handler, error) {
	store, err := OpenStore(context.Background(), e.dataDir, e.databaseURL)
	if err != nil {
		return nil, err
	}
	fc, sir, pis, apie := e.peers["franceconnect"], e.peers["sirene"], e.peers["piste"], e.peers["apientreprise"]
	core, err := httpapi.New(httpapi.Config{PublicURL: e.public,
		FCPublicURL: fc.Public, FCInternalURL: fc.Internal, FCClientID: "proconnect-core", FCClientSecret: "proconnect-core-secret",
		SireneURL: sir.Internal, RNEUser: sirene.DemoRNEUser, RNEPassword: sirene.DemoRNEPassword,
		INSEEClientID: sirene.DemoINSEEClientID, INSEEClientSecret: sirene.DemoINSEEClientSecret,
		INSEEUser: sirene.DemoINSEEUser, INSEEPassword: sirene.DemoINSEEPassword,
		APIEntrepriseURL: apie.Internal, APIEntrepriseToken: apientreprise.DemoToken,
		PisteIssuer: pis.Public, PisteURL: pis.Internal, PortalURL: e.peers["portal"].Internal,
		SMTPAddr: cmp.Or(e.smtpAddr, e.peers["mailbox"].SMTP), SMTPUser: e.smtpUser, SMTPPassword: e.smtpPW,
		Fixtures: e.fixtures, Store: store, RecheckInterval: e.recheck, Kit: e.kit, Logger: e.log})
	if err != nil {
		_ = store.Close()
		return nil, err
	}
	return core, nil
}

// Config says what to start and where.
type Config struct {
	// Only, when set, starts these components only (serve NAME).
	Only []string
	// Bind is the address to listen on (127.0.0.1 by default).
	Bind string
	// Ports per component; 0 picks a free port; absent means the default.
	Ports map[string]int
	// PublicURLs and InternalURLs per component; empty means
	// http://localhost:<port> (public) and the listening address
	// (internal). For a component not started here, they say where its
	// peers find it.
	PublicURLs, InternalURLs map[string]string
	Fixtures                 *fixtures.Set
	// ControlToken protects /__sandbox/ (required when Bind is not loopback).
	ControlToken string
	// DataDir, when set, keeps the core's certifications and outbox in
	// DataDir/proconnect.db (SQLite).
	DataDir string
	// DatabaseURL, when set, keeps the core's state in PostgreSQL
	// (postgres://…), which several replicas of the core may share. Not
	// with DataDir.
	DatabaseURL string
	// RecheckInterval is the core's background re-check period (0: never).
	RecheckInterval time.Duration
	// SMTPAddr is where the core sends mail (default: the mailbox's SMTP
	// address); SMTPUser and SMTPPassword, when set, log in (AUTH PLAIN,
	// only over TLS or to a loopback server).
	SMTPAddr, SMTPUser, SMTPPassword string
	// Limits bound each component's connections and request times (zero:
	// the defaults).
	Limits Limits
	Logger *slog.Logger
}

// Stack is a running sandbox.
type Stack struct {
	Services []*Service
	smtp     string
	servers  []*http.Server
	watches  []*requestWatch // one per server (drain.go)
	group    *errgroup.Group
	cancel   context.CancelFunc
}

// Service is one running component.
type Service struct {
	Name, Title string
	PublicURL   string
	InternalURL string
	Listen      string
	Handler     http.Handler
	Kit         *control.Kit
}

// ErrControlToken is returned when a sandbox bound beyond loopback has no
// control token.
var ErrControlToken = errors.New("le bac à sable écoute au-delà de la boucle locale : donnez un jeton de contrôle (--control-token ou PROCONNECT_SANDBOX_CONTROL_TOKEN) pour être seul à le piloter")

// Start listens and serves every selected component. It returns once all
// listen; Close stops them.
func Start(ctx context.Context, cfg Config) (*Stack, error) {
	if cfg.Bind == "" {
		cfg.Bind = "127.0.0.1"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if !isLoopback(cfg.Bind) && cfg.ControlToken == "" {
		return nil, ErrControlToken
	}
	if cfg.Fixtures == nil {
		set, err := fixtures.Default()
		if err != nil {
			return nil, err
		}
		cfg.Fixtures = set
	}
	for _, name := range cfg.Only {
		if _, ok := layout.Get(name); !ok {
			return nil, fmt.Errorf("unknown component %q (known: %s)", name, strings.Join(layout.Names(), ", "))
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	g, gctx := errgroup.WithContext(ctx)
	s := &Stack{group: g, cancel: cancel}
	// fail stops what started, and waits: the core's Run closes its store
	// (and frees the --data folder) before Start returns.
	fail := func(err error) (*Stack, error) {
		s.closeListeners()
		cancel()
		_ = g.Wait()
		return nil, err
	}
	// Phase 1: listen, so that every URL is known.
	peers := map[string]Peer{}
	listeners := map[string]net.Listener{}
	var started []layout.Component
	for _, c := range layout.Components() {
		public := strings.TrimRight(cfg.PublicURLs[c.Name], "/")
		internal := strings.TrimRight(cfg.InternalURLs[c.Name], "/")
		if len(cfg.Only) > 0 && !contains(cfg.Only, c.Name) {
			if public == "" {
				public = "http://localhost:" + strconv.Itoa(c.Port)
			}
			if internal == "" {
				internal = public
			}
			peers[c.Name] = Peer{Public: public, Internal: internal}
			if c.Name == "mailbox" {
				peers[c.Name] = Peer{Public: public, Internal: internal, SMTP: cmp.Or(cfg.SMTPAddr, "localhost:"+strconv.Itoa(layout.SMTPPort))}
			}
			continue
		}
		port, ok := cfg.Ports[c.Name]
		if !ok {
			port = c.Port
		}
		ln, err := net.Listen("tcp", net.JoinHostPort(cfg.Bind, strconv.Itoa(port)))
		if err != nil {
			for _, l := range listeners {
				l.Close()
			}
			return fail(fmt.Errorf("%s: %w", c.Name, err))
		}
		listeners[c.Name] = ln
		actual := ln.Addr().(*net.TCPAddr).Port
		if public == "" {
			public = "http://localhost:" + strconv.Itoa(actual)
		}
		if internal == "" {
			internal = "http://" + ln.Addr().String()
		}
		peer := Peer{Public: public, Internal: internal}
		if c.Name == "mailbox" {
			smtpPort, ok := cfg.Ports[layout.SMTPKey]
			if !ok {
				smtpPort = layout.SMTPPort
			}
			sl, err := net.Listen("tcp", net.JoinHostPort(cfg.Bind, strconv.Itoa(smtpPort)))
			if err != nil {
				for _, l := range listeners {
					l.Close()
				}
				return fail(fmt.Errorf("mailbox SMTP: %w", err))
			}
			listeners[layout.SMTPKey] = sl
			peer.SMTP = sl.Addr().String()
		}
		peers[c.Name] = peer
		started = append(started, c)
	}
	// Phase 2: build and serve, each listener bounded.
	limits := cfg.Limits.withDefaults(len(listeners))
	if sl, ok := listeners[layout.SMTPKey]; ok {
		listeners[layout.SMTPKey] = limits.listener(sl)
	}
	tokens := &portalTokens{} // tokens.go
	for _, c := range started {
		ln, me := listeners[c.Name], peers[c.Name]
		kit := control.NewKit(c.Name, nil, cfg.ControlToken)
		tokens.adopt(c.Name, kit)
		kit.AllowedHosts, kit.PublicOrigins = allowedNames(peers)
		kit.Details = true // the portal's flow page shows each exchange's request and answer
		env := buildEnv{public: me.Public, internal: me.Internal, peers: peers, fixtures: cfg.Fixtures, kit: kit,
			log: cfg.Logger.With("component", c.Name), recheck: cfg.RecheckInterval, smtp: listeners[layout.SMTPKey],
			smtpAddr: cfg.SMTPAddr, smtpUser: cfg.SMTPUser, smtpPW: cfg.SMTPPassword, dataDir: cfg.DataDir, databaseURL: cfg.DatabaseURL}
		h, err := builders[c.Name](env)
		if err != nil {
			for _, l := range listeners {
				l.Close()
			}
			return fail(fmt.Errorf("%s: %w", c.Name, err))
		}
		tokens.adopt(c.Name, kit) // the core's kit now holds its check
		srv := limits.server(h, gctx)
		ln = limits.listener(ln)
		watch := &requestWatch{}
		watch.watch(srv)
		s.servers, s.watches = append(s.servers, srv), append(s.watches, watch)
		s.Services = append(s.Services, &Service{Name: c.Name, Title: c.Title, PublicURL: me.Public, InternalURL: me.Internal,
			Listen: ln.Addr().String(), Handler: h, Kit: kit})
		// a CPU profile's samples carry the component they were spent for
		// (pprof -tags, -tagfocus component=…): the goroutines of its
		// connections and of its background work inherit the label, and
		// so do those of the connections it opens to the others
		labels := pprof.Labels("component", c.Name)
		g.Go(func() (err error) {
			pprof.Do(gctx, labels, func(context.Context) {
				if err = srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
					err = fmt.Errorf("%s: %w", c.Name, err)
				} else {
					err = nil
				}
			})
			return err
		})
		if r, ok := h.(runner); ok {
			g.Go(func() (err error) {
				pprof.Do(gctx, labels, func(ctx context.Context) { err = r.Run(ctx) })
				return err
			})
		}
	}
	s.smtp = peers["mailbox"].SMTP
	return s, nil
}

func (s *Stack) closeListeners() {
	for _, srv := range s.servers {
		_ = srv.Close()
	}
}

// Service returns a running component by name.
func (s *Stack) Service(name string) (*Service, bool) {
	for _, svc := range s.Services {
		if svc.Name == name {
			return svc, true
		}
	}
	return nil, false
}

// Wait blocks until a server fails or the stack is closed.
func (s *Stack) Wait() error { return s.group.Wait() }

// Close shuts every component down gracefully within ctx.
func (s *Stack) Close(ctx context.Context) error {
	// Each server gets a short grace for the requests under way, then is
	// closed: HTTP clients keep connections they dialled and never used
	// (Go's transport dials ahead), which Shutdown alone waits 5 s for. It
	// is closed as soon as no request is under way (drain.go).
	grace, cancel := context.WithTimeout(ctx, shutdownGrace)
	defer cancel()
	var wg sync.WaitGroup
	for i, srv := range s.servers {
		wg.Go(func() { s.watches[i].shutdown(grace, srv) })
	}
	wg.Wait()
	var errs []error
	s.cancel()
	if err := s.group.Wait(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// shutdownGrace is how long Close lets requests under way finish.
const shutdownGrace = 300 * time.Millisecond

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func contains(list []string, v string) bool { return slices.Contains(list, v) }

// FreePorts asks for a free port for every component (Config.Ports).
func FreePorts() map[string]int {
	ports := map[string]int{layout.SMTPKey: 0}
	for _, name := range layout.Names() {
		ports[name] = 0
	}
	return ports
}

// SMTPAddr is where the started mailbox takes mail (host:port).
func (s *Stack) SMTPAddr() (string, bool) { return s.smtp, s.smtp != "" }
