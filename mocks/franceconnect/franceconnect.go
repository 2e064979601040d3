package franceconnect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	josev3 "github.com/go-jose/go-jose/v3" // fosite v0.49 speaks go-jose v3 for client keys
	"github.com/go-jose/go-jose/v4"
	"github.com/ory/fosite"
	"github.com/ory/fosite/compose"

	"github.com/proconnect-sandbox/proconnect-sandbox/control"
	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
	"github.com/proconnect-sandbox/proconnect-sandbox/mocks/internal/secrets"
)

// Config configures the mock.
type Config struct {
	// PublicURL is the base URL browsers and tokens see
	// (http://localhost:7101); issuers are built from it.
	PublicURL string
	// InternalURL is how the mock's own demo client reaches it (default
	// PublicURL); in compose, http://franceconnect:7101.
	InternalURL string
	Fixtures    *fixtures.Set
	// Kit is the control state (clock, journal, faults); New makes one when nil.
	Kit    *control.Kit
	Logger *slog.Logger
}

// FranceConnect lifetimes (docs/franceconnect.md, « Jeton »).
const (
	CodeTTL        = 30 * time.Second
	AccessTokenTTL = 60 * time.Second
	IDTokenTTL     = 60 * time.Second
	interactionTTL = 15 * time.Minute
	ssoTTL         = 30 * time.Minute
	// sweepEvery is how often an authorize request may start a sweep of
	// what has expired (on the sandbox clock; a client whose clock a test
	// moved ahead keeps its entries that much longer). At full speed
	// (about 900 flows/s) the tokens of the last minute are most of the
	// live heap; 10 s more of them cost the collector about a tenth more
	// work (issue 14). A sweep of 60,000 tokens takes a few ms.
	sweepEvery = 2 * time.Second
)

// Path prefixes of the two profiles.
const (
	LowPrefix  = "/api/v2"
	PlusPrefix = "/plus/api/v2"
)

// demoClientID is the built-in client of the /demo page.
const demoClientID = "sandbox-demo"

// Mock is the FranceConnect mock. It is an http.Handler.
type Mock struct {
	cfg     Config
	log     *slog.Logger
	kit     *control.Kit
	now     func() time.Time
	public  string
	low     *profile
	plus    *profile
	keys    *keyset
	store   *store
	handler http.Handler

	fixtureClients map[string]*clientEntry
	runtimeClients sync.Map // client_id → *clientEntry
	runtimePersons sync.Map // login → *fixtures.Persona
	// fixturePersonas are the fixtures' personas by login, shared by
	// every session of each.
	fixturePersonas map[string]*fixtures.Persona
	// fixtureProblems is identityProblem of each of them, checked once, at
	// the first login (not at start): they never change, and the check (a
	// date, an address) was 2 % of a flow's CPU (issue 14).
	fixtureProblems func() map[*fixtures.Persona]string

	clientClocks sync.Map // client_id → *control.Clock, ahead of the sandbox clock
	interactions sync.Map // uid → *interaction
	subjects     subjects
	sso          ssoSessions
	queue        loginQueue
	loginPages   loginPages
	// listedPersonas are the personas the login and home pages list: the
	// fixtures' own, less the hidden ones.
	listedPersonas []fixtures.Persona
	lastSweep      atomic.Int64

	demo *demoClient
}

// profile is one FranceConnect platform: FC v2 ("low", eidas1) or FC+.
type profile struct {
	name       string
	prefix     string
	issuer     string
	acrs       []string // acr_values_supported
	defaultACR string
	scopes     map[string][]string
	signing    []string
	amr        []string // what the mock identity provider asserts
	idpID      string
	oauth      fosite.OAuth2Provider
	fosite     *fosite.Fosite // the same, for AuthenticateClient
	discovery  []byte
}

// clientEntry is a client ready for use: its fixture, its fosite view and
// what it signs or encrypts with, all built once.
type clientEntry struct {
	fixture   fixtures.Client
	fosite    *fosite.DefaultOpenIDConnectClient
	profile   *profile
	hmac      jose.Signer    // HS256 clients
	encrypter jose.Encrypter // FC+ clients with an encryption key
}

// New builds the mock. It returns an error for a fixture set it cannot use
// (no signing key, a client whose key is missing).
func New(cfg Config) (*Mock, error) {
	if cfg.Fixtures == nil {
		return nil, errors.New("franceconnect: no fixtures")
	}
	if cfg.PublicURL == "" {
		return nil, errors.New("franceconnect: no public URL")
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	if cfg.InternalURL == "" {
		cfg.InternalURL = cfg.PublicURL
	}
	cfg.InternalURL = strings.TrimRight(cfg.InternalURL, "/")
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Kit == nil {
		cfg.Kit = control.NewKit("franceconnect", nil, "")
	}
	if cfg.Kit.Log == nil {
		cfg.Kit.Log = cfg.Logger
	}
	keys, err := newKeyset(cfg.Fixtures.KeysFor("franceconnect"))
	if err != nil {
		return nil, err
	}
	m := &Mock{cfg: cfg, log: cfg.Logger, kit: cfg.Kit, now: cfg.Kit.Clock.Now, public: cfg.PublicURL, keys: keys}
	// a portal's control token (a shared sandbox) may open a headless
	// session for its own browser: that changes nothing another team sees
	m.kit.PortalCalls = func(r *http.Request) bool { return r.Method == http.MethodGet && r.URL.Path == "/__sandbox/session" }
	m.store = &store{now: m.clientNow, clients: m.client, codeTTL: CodeTTL, accessTTL: AccessTokenTTL}
	m.low = m.newProfile("low", LowPrefix, []string{"eidas1"}, "eidas1", lowScopes,
		[]string{"HS256", "ES256", "RS256"}, []string{"fc", "pwd"}, "fip1-low")
	m.plus = m.newProfile("plus", PlusPrefix, []string{"eidas2", "eidas3"}, "eidas3", plusScopes,
		[]string{"ES256"}, []string{"fc", "pop", "mfa", "pin"}, "fip1-high")
	m.fixturePersonas = make(map[string]*fixtures.Persona, len(cfg.Fixtures.Personas))
	for _, per := range cfg.Fixtures.Personas {
		m.fixturePersonas[per.Login] = &per
		if !per.Hidden {
			m.listedPersonas = append(m.listedPersonas, per)
		}
	}
	m.fixtureProblems = sync.OnceValue(func() map[*fixtures.Persona]string {
		problems := make(map[*fixtures.Persona]string, len(m.fixturePersonas))
		for _, per := range m.fixturePersonas {
			problems[per] = identityProblem(*per)
		}
		return problems
	})
	m.fixtureClients = map[string]*clientEntry{}
	for _, c := range cfg.Fixtures.Clients {
		e, err := m.newClientEntry(c)
		if err != nil {
			return nil, err
		}
		m.fixtureClients[c.ClientID] = e
	}
	if err := m.newDemo(); err != nil {
		return nil, err
	}
	m.handler = m.routes()
	return m, nil
}

// ServeHTTP serves the mock.
func (m *Mock) ServeHTTP(w http.ResponseWriter, r *http.Request) { m.handler.ServeHTTP(w, r) }

// Kit returns the control state.
func (m *Mock) Kit() *control.Kit { return m.kit }

// Issuer returns the issuer of a profile ("low" or "plus").
func (m *Mock) Issuer(profile string) string {
	if profile == "plus" {
		return m.plus.issuer
	}
	return m.low.issuer
}

func (m *Mock) newProfile(name, prefix string, acrs []string, defACR string, scopes map[string][]string,
	signing, amr []string, idp string) *profile {
	p := &profile{name: name, prefix: prefix, issuer: m.public + prefix, acrs: acrs, defaultACR: defACR,
		scopes: scopes, signing: signing, amr: amr, idpID: idp}
	fc := &fosite.Config{
		AccessTokenLifespan:    AccessTokenTTL,
		AuthorizeCodeLifespan:  CodeTTL,
		RefreshTokenLifespan:   -1,
		TokenURL:               p.issuer + "/token",
		ClientSecretsHasher:    secrets.Hasher{},
		RedirectSecureChecker:  func(context.Context, *url.URL) bool { return true },
		OmitRedirectScopeParam: true,
		ScopeStrategy:          fosite.ExactScopeStrategy,
		AudienceMatchingStrategy: func(_ []string, _ []string) error {
			return nil
		},
		EnforcePKCE:                    false,
		EnablePKCEPlainChallengeMethod: false,
	}
	p.fosite = compose.Compose(fc, m.store, tokenStrategy{},
		compose.OAuth2AuthorizeExplicitFactory, compose.OAuth2PKCEFactory, compose.OAuth2TokenRevocationFactory).(*fosite.Fosite)
	p.oauth = p.fosite
	p.discovery = m.discoveryDocument(p)
	return p
}

func (m *Mock) profileOf(name string) *profile {
	if name == "plus" {
		return m.plus
	}
	return m.low
}

func (m *Mock) newClientEntry(c fixtures.Client) (*clientEntry, error) {
	e := &clientEntry{fixture: c, profile: m.profileOf(c.Profile)}
	var jwks josev3.JSONWebKeySet
	for _, kid := range c.AuthKeys {
		k, ok := m.cfg.Fixtures.Key(kid)
		if !ok {
			return nil, fmt.Errorf("franceconnect: client %s: no key %q", c.ClientID, kid)
		}
		jwks.Keys = append(jwks.Keys, josev3.JSONWebKey{Key: k.Signer.Public(), KeyID: k.KID, Algorithm: k.Alg, Use: "sig"})
	}
	e.fosite = &fosite.DefaultOpenIDConnectClient{
		DefaultClient: &fosite.DefaultClient{
			ID: c.ClientID, Secret: []byte(c.ClientSecret), RedirectURIs: c.RedirectURIs,
			GrantTypes: []string{"authorization_code"}, ResponseTypes: []string{"code"},
			Scopes: c.Scopes,
		},
		JSONWebKeys:                       &jwks,
		TokenEndpointAuthMethod:           c.TokenEndpointAuthMethod,
		TokenEndpointAuthSigningAlgorithm: "ES256",
	}
	if c.IDTokenSignedAlg == "HS256" || c.UserinfoSignedAlg == "HS256" {
		s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: []byte(c.ClientSecret)}, nil)
		if err != nil {
			return nil, fmt.Errorf("franceconnect: client %s: HS256: %w", c.ClientID, err)
		}
		e.hmac = s
	}
	if c.EncryptionKey != "" {
		k, ok := m.cfg.Fixtures.Key(c.EncryptionKey)
		if !ok {
			return nil, fmt.Errorf("franceconnect: client %s: no key %q", c.ClientID, c.EncryptionKey)
		}
		opts := (&jose.EncrypterOptions{}).WithContentType("JWT").
			WithHeader("iss", e.profile.issuer).WithHeader("aud", c.ClientID)
		enc, err := jose.NewEncrypter(jose.ContentEncryption(c.EncryptionEnc), jose.Recipient{
			Algorithm: jose.KeyAlgorithm(c.EncryptionAlg), Key: k.Signer.Public(), KeyID: k.KID,
		}, opts)
		if err != nil {
			return nil, fmt.Errorf("franceconnect: client %s: encryption: %w", c.ClientID, err)
		}
		e.encrypter = enc
	}
	return e, nil
}

// client returns a client by ID: run-time additions first, then fixtures.
func (m *Mock) client(id string) (*clientEntry, bool) {
	if v, ok := m.runtimeClients.Load(id); ok {
		return v.(*clientEntry), true
	}
	e, ok := m.fixtureClients[id]
	return e, ok
}

// persona returns a persona by login: run-time additions first, then
// fixtures, then the register's dirigeants (dirigeant:<siren>[:<n>],
// docs/bac-a-sable.md), derived from the same fixtures and generator as the
// register mock. It returns a pointer every session of the persona shares
// (never changed: a persona replaced at run time is a new one), so that a
// session does not carry its own copy of the identity.
func (m *Mock) persona(login string) (*fixtures.Persona, bool) {
	if v, ok := m.runtimePersons.Load(login); ok {
		return v.(*fixtures.Persona), true
	}
	if p, ok := m.cfg.Fixtures.Persona(login); ok {
		if ref, ok := m.fixturePersonas[p.Login]; ok {
			return ref, true
		}
		return &p, true
	}
	p, ok := m.cfg.Fixtures.DirigeantPersona(login)
	return &p, ok
}

// AddPersona adds (or replaces) a persona at run time.
func (m *Mock) AddPersona(p fixtures.Persona) error {
	if err := m.cfg.Fixtures.CheckPersona(&p); err != nil {
		return err
	}
	m.runtimePersons.Store(p.Login, &p)
	return nil
}

// AddClient adds (or replaces) a service provider at run time.
func (m *Mock) AddClient(c fixtures.Client) error {
	if err := m.cfg.Fixtures.CheckClient(&c); err != nil {
		return err
	}
	e, err := m.newClientEntry(c)
	if err != nil {
		return err
	}
	m.runtimeClients.Store(c.ClientID, e)
	return nil
}

// clientNow is the sandbox time for one client's codes and tokens.
func (m *Mock) clientNow(clientID string) time.Time {
	if v, ok := m.clientClocks.Load(clientID); ok {
		return v.(*control.Clock).Now()
	}
	return m.now()
}

// AdvanceClient moves one client's clock forward by d: its codes and tokens
// expire as if d had passed, and nobody else's do. Like the sandbox clock,
// it goes at most control.MaxOffset ahead (of the sandbox clock): beyond,
// it returns control.ErrClockBound and stays where it was.
func (m *Mock) AdvanceClient(clientID string, d time.Duration) error {
	v, _ := m.clientClocks.LoadOrStore(clientID, control.NewClock(func() time.Time { return m.now() }))
	return v.(*control.Clock).Advance(d)
}

// reset forgets everything added or issued since start.
func (m *Mock) reset() {
	m.runtimeClients.Clear()
	m.runtimePersons.Clear()
	m.clientClocks.Clear()
	m.interactions.Clear()
	m.subjects.clear()
	m.sso.reset()
	m.store.clear()
	m.queue.clear()
	m.loginPages.clear()
	m.keys.reset()
}

// maybeSweep starts a sweep of expired entries, at most every sweepEvery,
// off the request path (in its own goroutine, which locks one shard of a
// map at a time, and a revocation shard inside a token shard). Only
// authorize requests call it: while they keep coming, an entry outlives
// its lifetime by about sweepEvery.
func (m *Mock) maybeSweep() {
	now := m.now()
	last := m.lastSweep.Load()
	if now.UnixNano()-last < int64(sweepEvery) || !m.lastSweep.CompareAndSwap(last, now.UnixNano()) {
		return
	}
	go func() {
		m.store.sweep(now)
		m.interactions.Range(func(k, v any) bool {
			if now.Sub(v.(*interaction).created) > interactionTTL {
				m.interactions.Delete(k)
			}
			return true
		})
		m.sso.sweep(now)
	}()
}

func (m *Mock) discoveryDocument(p *profile) []byte {
	var scopes []string
	for s := range p.scopes {
		scopes = append(scopes, s)
	}
	slices.Sort(scopes)
	claimSet := map[string]bool{"sub": true, "acr": true, "amr": true}
	for _, cs := range p.scopes {
		for _, c := range cs {
			claimSet[c] = true
		}
	}
	var claims []string
	for c := range claimSet {
		claims = append(claims, c)
	}
	slices.Sort(claims)
	d := map[string]any{
		"issuer":                                           p.issuer,
		"authorization_endpoint":                           p.issuer + "/authorize",
		"token_endpoint":                                   p.issuer + "/token",
		"userinfo_endpoint":                                p.issuer + "/userinfo",
		"end_session_endpoint":                             p.issuer + "/session/end",
		"revocation_endpoint":                              p.issuer + "/token/revocation",
		"jwks_uri":                                         p.issuer + "/jwks",
		"acr_values_supported":                             p.acrs,
		"scopes_supported":                                 scopes,
		"claims_supported":                                 claims,
		"response_types_supported":                         []string{"code"},
		"response_modes_supported":                         []string{"form_post", "fragment", "query"},
		"grant_types_supported":                            []string{"authorization_code"},
		"subject_types_supported":                          []string{"pairwise"},
		"code_challenge_methods_supported":                 []string{"S256"},
		"token_endpoint_auth_methods_supported":            []string{"client_secret_post", "private_key_jwt"},
		"token_endpoint_auth_signing_alg_values_supported": p.signingAuthAlgs(),
		"id_token_signing_alg_values_supported":            p.signing,
		"userinfo_signing_alg_values_supported":            p.signing,
		"request_object_signing_alg_values_supported":      p.signing,
		"claims_parameter_supported":                       true,
		"request_parameter_supported":                      true,
		"request_uri_parameter_supported":                  false,
		"dpop_signing_alg_values_supported":                p.dpopAlgs(),
		"authorization_response_iss_parameter_supported":   true,
	}
	if p.name == "plus" {
		for _, kind := range []string{"id_token", "userinfo", "request_object"} {
			d[kind+"_encryption_alg_values_supported"] = []string{"ECDH-ES", "RSA-OAEP", "RSA-OAEP-256"}
			d[kind+"_encryption_enc_values_supported"] = []string{"A256GCM"}
		}
	}
	b, err := json.Marshal(d)
	if err != nil {
		panic(err) // a literal map of strings and slices always encodes
	}
	return b
}

// dpopAlgs is what node-oidc-provider publishes for DPoP, on by default,
// with FranceConnect's enabledJWA (docs/franceconnect.md, « Découverte »).
func (p *profile) dpopAlgs() []string {
	if p.name == "plus" {
		return []string{"ES256"}
	}
	return []string{"ES256", "RS256"}
}

func (p *profile) signingAuthAlgs() []string {
	if p.name == "plus" {
		return []string{"ES256"}
	}
	return []string{"ES256", "RS256"}
}
