package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/control"
	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
	"github.com/proconnect-sandbox/proconnect-sandbox/internal/randid"
	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
)

// Config configures the core.
type Config struct {
	// PublicURL is the core's URL as browsers and portals see it; events
	// carry it as iss.
	PublicURL string
	// FranceConnect: the issuer browsers go to, the URL the core calls, and
	// the core's client.
	FCPublicURL, FCInternalURL, FCClientID, FCClientSecret string
	// SireneURL is the register (INSEE Sirene + RNE), with its credentials.
	SireneURL, RNEUser, RNEPassword string
	// INSEE's private API takes a bearer token from a password grant at
	// INSEETokenURL (default: SireneURL + the path of INSEE's token
	// endpoint) with these client and user credentials.
	INSEETokenURL, INSEEClientID, INSEEClientSecret, INSEEUser, INSEEPassword string
	// APIEntrepriseURL is API Entreprise, which the core reads when the RNE
	// fails (empty: no fallback), with its bearer token; Context and
	// Recipient are the tracking parameters it sends (default ProConnect,
	// and DINUM's SIRET).
	APIEntrepriseURL, APIEntrepriseToken         string
	APIEntrepriseContext, APIEntrepriseRecipient string
	// PisteIssuer is the iss of PISTE tokens; PisteURL where its JWKS is.
	PisteIssuer, PisteURL string
	// Audience the PISTE tokens must carry (default proconnect-api).
	Audience string
	// PortalURL replaces {portal} in fixture portal URLs (the reference
	// portal's internal URL).
	PortalURL string
	// SMTPAddr is the SMTP server (host:port) the core sends its mail to;
	// SMTPUser and SMTPPassword, when set, log in with AUTH PLAIN.
	SMTPAddr, SMTPUser, SMTPPassword string
	Fixtures                         *fixtures.Set
	// Store keeps certifications and the outbox (required: the assembly,
	// sandbox.OpenStore, chooses it).
	Store proconnect.Store
	// RecheckInterval is the period of the background re-check (0: never;
	// the control API runs it on demand).
	RecheckInterval time.Duration
	// CertificationTTL is how long a certification waits for the login.
	CertificationTTL time.Duration
	// ShareControl keeps the control state in the store, as replicas on a
	// store several processes open do anyway (replicas.go): for tests of
	// replicas in one process, on one memory store.
	ShareControl bool
	Kit          *control.Kit
	Logger       *slog.Logger
	// HTTPClient calls FranceConnect, the register and the portals.
	HTTPClient *http.Client
}

// Core is the reference ProConnect core. It is an http.Handler; Run drives
// its background work (event delivery, re-check).
type Core struct {
	cfg      Config
	kit      *control.Kit
	log      *slog.Logger
	svc      *proconnect.Service
	store    proconnect.Store
	portals  *portals
	auth     *tokenVerifier
	fc       *fcClient
	register *registerClient
	pusher   *pusher
	mailer   *mailer
	handler  http.Handler
	zone     *time.Location // Europe/Paris, for the times the pages show
}

// New builds the core.
func New(cfg Config) (*Core, error) {
	if cfg.Fixtures == nil || cfg.PublicURL == "" || cfg.Store == nil {
		return nil, errors.New("proconnect: fixtures, a public URL and a store are required")
	}
	for _, u := range []*string{&cfg.PublicURL, &cfg.FCPublicURL, &cfg.FCInternalURL, &cfg.SireneURL, &cfg.PisteIssuer, &cfg.PisteURL, &cfg.PortalURL} {
		*u = strings.TrimRight(*u, "/")
	}
	if cfg.FCInternalURL == "" {
		cfg.FCInternalURL = cfg.FCPublicURL
	}
	if cfg.PisteURL == "" {
		cfg.PisteURL = cfg.PisteIssuer
	}
	if cfg.Audience == "" {
		cfg.Audience = "proconnect-api"
	}
	if cfg.CertificationTTL == 0 {
		cfg.CertificationTTL = 30 * time.Minute
	}
	if cfg.Kit == nil {
		cfg.Kit = control.NewKit("proconnect", nil, "")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Kit.Log == nil {
		cfg.Kit.Log = cfg.Logger
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second, Transport: control.PropagateFrom(cfg.Kit.Component, &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: time.Minute}),
			CheckRedirect: func(_ *http.Request, via []*http.Request) error {
				if len(via) >= 3 {
					return http.ErrUseLastResponse
				}
				return nil
			}}
	}
	c := &Core{cfg: cfg, kit: cfg.Kit, log: cfg.Logger, store: cfg.Store, zone: parisZone()}
	c.portals = newPortals(cfg.Fixtures.Portals, cfg.PortalURL, cfg.Store)
	// a shared sandbox: each portal's own clock and control token (tenant.go)
	clocks := control.NewPortalClocks(c.kit.Clock)
	c.kit.PortalClock, c.kit.PortalCalls, c.kit.PortalTokenCurrent = clocks, c.portalMay, c.portals.tokenCurrent
	c.kit.SharedPaths = []string{"/api/v1/jwks"} // read by every portal, with no client to tell them apart
	// PISTE signs its tokens on real time (its clock is not the sandbox's):
	// checking them on the core's movable clock would expire every portal's
	// token when a scenario moves time forward.
	c.auth = newTokenVerifier(cfg, time.Now)
	fc, err := newFCClient(cfg)
	if err != nil {
		return nil, err
	}
	c.fc = fc
	c.register = newRegisterClient(cfg)
	p, err := newPusher(cfg, c.store, c.portals, c.kit.Clock.Now, cfg.Logger)
	if err != nil {
		return nil, err
	}
	c.pusher = p
	c.mailer = newMailer(cfg.SMTPAddr, c.store, c.kit.Clock.Now, cfg.Logger)
	c.mailer.user, c.mailer.password = cfg.SMTPUser, cfg.SMTPPassword
	c.svc = &proconnect.Service{Store: c.store, Register: c.register, Directory: c.register, Contacts: c.register, Now: c.kit.Clock.Now, NewID: newID,
		TTL: cfg.CertificationTTL, Wake: p.wake, WakeMailer: c.mailer.wake, ContactPage: cfg.PublicURL + "/contact", Portals: clocks}
	c.shareControl(cfg)
	c.handler = c.routes()
	return c, nil
}

// ServeHTTP serves the core.
func (c *Core) ServeHTTP(w http.ResponseWriter, r *http.Request) { c.handler.ServeHTTP(w, r) }

// Kit returns the control state.
func (c *Core) Kit() *control.Kit { return c.kit }

// Run delivers events and re-checks certifications until ctx ends.
func (c *Core) Run(ctx context.Context) error {
	if c.cfg.RecheckInterval > 0 {
		go every(ctx, c.cfg.RecheckInterval, func() {
			if !c.leased(ctx, "recheck", c.cfg.RecheckInterval) {
				return // another replica runs this period's
			}
			if n, err := c.svc.RecheckAll(ctx); err != nil {
				c.log.Warn("background re-check", "err", err)
			} else if n > 0 {
				c.log.Info("background re-check revoked certifications", "revoked", n)
			}
		})
	}
	go every(ctx, time.Minute, func() {
		if !c.leased(ctx, "expiry", time.Minute) {
			return
		}
		if _, err := c.svc.ExpireAccessRequests(ctx); err != nil {
			c.log.Warn("access request expiry", "err", err)
		}
		c.sweep(ctx)
		c.purge(ctx)
	})
	var wg sync.WaitGroup
	if r := c.kit.Replicas; r != nil {
		wg.Go(func() { r.Poll(ctx) }) // replicas.go
	}
	wg.Go(func() { c.mailer.run(ctx) })
	c.pusher.run(ctx)
	wg.Wait() // both outboxes stopped: no worker uses the store any more
	return c.store.Close()
}

// purge removes the outbox's done events and mails older than
// proconnect.Retention, on the core's clock.
func (c *Core) purge(ctx context.Context) {
	if n, err := c.store.PurgeOutbox(ctx, c.kit.Clock.Now().Add(-proconnect.Retention)); err != nil {
		c.log.Warn("outbox purge", "err", err)
	} else if n > 0 {
		c.log.Info("outbox purged", "removed", n)
	}
}

// every runs f every period until ctx ends.
func every(ctx context.Context, period time.Duration, f func()) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			f()
		}
	}
}

// newID returns a random URL-safe identifier (128 bits).
func newID() string { return randid.New() }
