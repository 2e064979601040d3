package harness

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
	"github.com/proconnect-sandbox/proconnect-sandbox/mocks/control"
	"github.com/proconnect-sandbox/proconnect-sandbox/mocks/franceconnect"
	"github.com/proconnect-sandbox/proconnect-sandbox/mocks/piste"
	"github.com/proconnect-sandbox/proconnect-sandbox/mocks/sirene"
)

// Component describes one sandbox component: its name, default port and
// how to build its handler once its URLs are known.
type Component struct {
	Name        string
	DefaultPort int
	Title       string
	build       func(env buildEnv) (http.Handler, error)
}

type buildEnv struct {
	public, internal string
	fixtures         *fixtures.Set
	kit              *control.Kit
	log              *slog.Logger
}

// Components lists the components in start order (DESIGN §2).
func Components() []Component {
	return []Component{
		{Name: "franceconnect", DefaultPort: 7101, Title: "FranceConnect (mock)", build: func(e buildEnv) (http.Handler, error) {
			return franceconnect.New(franceconnect.Config{PublicURL: e.public, InternalURL: e.internal,
				Fixtures: e.fixtures, Kit: e.kit, Logger: e.log})
		}},
		{Name: "sirene", DefaultPort: 7102, Title: "register: INSEE Sirene + RNE (mock)", build: func(e buildEnv) (http.Handler, error) {
			return sirene.New(sirene.Config{PublicURL: e.public, Fixtures: e.fixtures, Kit: e.kit, Logger: e.log})
		}},
		{Name: "piste", DefaultPort: 7103, Title: "PISTE (mock)", build: func(e buildEnv) (http.Handler, error) {
			return piste.New(piste.Config{PublicURL: e.public, Fixtures: e.fixtures, Kit: e.kit, Logger: e.log})
		}},
	}
}

// ComponentNames returns the names of the components.
func ComponentNames() []string {
	var out []string
	for _, c := range Components() {
		out = append(out, c.Name)
	}
	return out
}

// StackConfig says what to start and where.
type StackConfig struct {
	// Only, when set, starts these components only (serve NAME).
	Only []string
	// Bind is the address to listen on (127.0.0.1 by default).
	Bind string
	// Ports per component; 0 picks a free port; absent means the default.
	Ports map[string]int
	// PublicURLs and InternalURLs per component; empty means
	// http://localhost:<port> (public) and the public URL (internal).
	PublicURLs, InternalURLs map[string]string
	Fixtures                 *fixtures.Set
	// ControlToken protects /__sandbox/ (required when Bind is not loopback).
	ControlToken string
	Logger       *slog.Logger
}

// Stack is a running sandbox.
type Stack struct {
	Services []*Service
	servers  []*http.Server
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
var ErrControlToken = errors.New("the sandbox listens beyond loopback: give a control token (--control-token or PROCONNECT_SANDBOX_CONTROL_TOKEN) so that only you can drive it")

// Start listens and serves every selected component. It returns once all
// listen; Close stops them.
func Start(ctx context.Context, cfg StackConfig) (*Stack, error) {
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
		if !contains(ComponentNames(), name) {
			return nil, fmt.Errorf("unknown component %q (known: %s)", name, strings.Join(ComponentNames(), ", "))
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	g, gctx := errgroup.WithContext(ctx)
	s := &Stack{group: g, cancel: cancel}
	for _, c := range Components() {
		if len(cfg.Only) > 0 && !contains(cfg.Only, c.Name) {
			continue
		}
		port, ok := cfg.Ports[c.Name]
		if !ok {
			port = c.DefaultPort
		}
		ln, err := net.Listen("tcp", net.JoinHostPort(cfg.Bind, strconv.Itoa(port)))
		if err != nil {
			s.closeListeners()
			cancel()
			return nil, fmt.Errorf("%s: %w", c.Name, err)
		}
		actual := ln.Addr().(*net.TCPAddr).Port
		public := strings.TrimRight(cfg.PublicURLs[c.Name], "/")
		if public == "" {
			public = "http://localhost:" + strconv.Itoa(actual)
		}
		internal := strings.TrimRight(cfg.InternalURLs[c.Name], "/")
		if internal == "" {
			internal = "http://" + ln.Addr().String()
		}
		kit := control.NewKit(c.Name, nil, cfg.ControlToken)
		h, err := c.build(buildEnv{public: public, internal: internal, fixtures: cfg.Fixtures, kit: kit,
			log: cfg.Logger.With("component", c.Name)})
		if err != nil {
			ln.Close()
			s.closeListeners()
			cancel()
			return nil, fmt.Errorf("%s: %w", c.Name, err)
		}
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
			BaseContext: func(net.Listener) context.Context { return gctx }}
		s.servers = append(s.servers, srv)
		s.Services = append(s.Services, &Service{Name: c.Name, Title: c.Title, PublicURL: public, InternalURL: internal,
			Listen: ln.Addr().String(), Handler: h, Kit: kit})
		g.Go(func() error {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return fmt.Errorf("%s: %w", c.Name, err)
			}
			return nil
		})
	}
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
	var errs []error
	for _, srv := range s.servers {
		if err := srv.Shutdown(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	s.cancel()
	if err := s.group.Wait(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
