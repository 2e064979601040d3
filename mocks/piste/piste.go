package piste

import (
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	josev3 "github.com/go-jose/go-jose/v3" // fosite v0.49 signs with go-jose v3
	"github.com/ory/fosite"
	"github.com/ory/fosite/compose"
	"github.com/ory/fosite/handler/oauth2"
	"github.com/ory/fosite/token/jwt"

	"github.com/proconnect-sandbox/proconnect-sandbox/control"
	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
	"github.com/proconnect-sandbox/proconnect-sandbox/mocks/internal/secrets"
	"github.com/proconnect-sandbox/proconnect-sandbox/problem"
)

// Config configures the mock.
type Config struct {
	PublicURL string
	Fixtures  *fixtures.Set
	// Audience is the aud of every access token (default "proconnect-api").
	Audience string
	Kit      *control.Kit
	Logger   *slog.Logger
}

// TokenTTL is the lifetime of an access token.
const TokenTTL = time.Hour

// DefaultAudience is the aud of the access tokens: the ProConnect API.
const DefaultAudience = "proconnect-api"

// Mock is the PISTE mock. It is an http.Handler.
type Mock struct {
	cfg     Config
	kit     *control.Kit
	log     *slog.Logger
	issuer  string
	kid     string
	jwks    []byte
	oauth   fosite.OAuth2Provider
	store   *store
	handler http.Handler
}

// New builds the mock from the fixtures' piste key and portals.
func New(cfg Config) (*Mock, error) {
	if cfg.Fixtures == nil || cfg.PublicURL == "" {
		return nil, errors.New("piste: fixtures and public URL are required")
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	if cfg.Audience == "" {
		cfg.Audience = DefaultAudience
	}
	if cfg.Kit == nil {
		cfg.Kit = control.NewKit("piste", nil, "")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Kit.Log == nil {
		cfg.Kit.Log = cfg.Logger
	}
	keys := cfg.Fixtures.KeysFor("piste")
	if len(keys) == 0 {
		return nil, errors.New("piste: the fixtures hold no key with use piste")
	}
	ec, ok := keys[0].Signer.(*ecdsa.PrivateKey)
	if !ok || keys[0].Alg != "ES256" {
		return nil, fmt.Errorf("piste: key %s must be an ES256 key", keys[0].KID)
	}
	m := &Mock{cfg: cfg, kit: cfg.Kit, log: cfg.Logger, issuer: cfg.PublicURL, kid: keys[0].KID}
	m.kit.PortalCalls = portalCalls
	m.store = newStore(cfg.Fixtures.Portals, cfg.Audience)
	signingKey := &josev3.JSONWebKey{Key: ec, KeyID: m.kid, Algorithm: "ES256", Use: "sig"}
	jwks, err := json.Marshal(josev3.JSONWebKeySet{Keys: []josev3.JSONWebKey{signingKey.Public()}})
	if err != nil {
		return nil, fmt.Errorf("piste: jwks: %w", err)
	}
	m.jwks = jwks
	fc := &fosite.Config{
		AccessTokenLifespan: TokenTTL,
		AccessTokenIssuer:   m.issuer,
		TokenURL:            m.issuer + "/api/oauth/token",
		ClientSecretsHasher: secrets.Hasher{},
		ScopeStrategy:       fosite.ExactScopeStrategy,
		JWTScopeClaimKey:    jwt.JWTScopeFieldString,
		AudienceMatchingStrategy: func(haystack, needle []string) error {
			for _, n := range needle {
				if !slices.Contains(haystack, n) {
					return fosite.ErrInvalidRequest.WithHintf("Requested audience %q has not been whitelisted by the OAuth 2.0 Client.", n)
				}
			}
			return nil
		},
	}
	strategy, err := newTokenStrategy(compose.NewOAuth2JWTStrategy(func(context.Context) (any, error) { return signingKey, nil },
		compose.NewOAuth2HMACStrategy(fc), fc), ec, m.kid, m.issuer)
	if err != nil {
		return nil, err
	}
	m.oauth = compose.Compose(fc, m.store, strategy, compose.OAuth2ClientCredentialsGrantFactory)
	m.handler = m.routes()
	return m, nil
}

// ServeHTTP serves the mock.
func (m *Mock) ServeHTTP(w http.ResponseWriter, r *http.Request) { m.handler.ServeHTTP(w, r) }

// Kit returns the control state.
func (m *Mock) Kit() *control.Kit { return m.kit }

func (m *Mock) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(m.kit.Middleware)
	r.Post("/api/oauth/token", m.token)
	r.Get("/api/oauth/jwks", m.serveJWKS)
	r.Get("/.well-known/oauth-authorization-server", m.metadata)
	r.Route("/__sandbox", func(r chi.Router) {
		r.Use(m.kit.Guard)
		m.kit.Mount(r, m.store.reset)
		r.Get("/portals", func(w http.ResponseWriter, _ *http.Request) {
			control.JSON(w, http.StatusOK, map[string]any{"portals": m.store.portals()})
		})
		r.Post("/portals", func(w http.ResponseWriter, r *http.Request) {
			var p fixtures.Portal
			if !control.DecodeJSON(w, r, &p) {
				return
			}
			if control.ForbidOtherPortal(w, r, p.ClientID) {
				return
			}
			if _, fixture := m.store.fixture[p.ClientID]; fixture {
				problem.Write(w, http.StatusConflict, "fixture-portal", "Portal from the fixtures",
					"The portal "+p.ClientID+" comes from the sandbox's fixtures (up --fixtures, up --portal): a run-time registration does not replace it.", nil)
				return
			}
			if err := m.AddPortal(p); err != nil {
				problem.Write(w, http.StatusBadRequest, "invalid-portal", "Invalid portal", err.Error(), nil)
				return
			}
			control.JSON(w, http.StatusCreated, map[string]string{"client_id": p.ClientID})
		})
		r.Delete("/portals/{id}", func(w http.ResponseWriter, r *http.Request) {
			if control.ForbidOtherPortal(w, r, chi.URLParam(r, "id")) {
				return
			}
			if !m.store.remove(chi.URLParam(r, "id")) {
				problem.Write(w, http.StatusNotFound, "unknown-portal", "Unknown portal", "No portal added at run time with that client_id.", nil)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		})
	})
	r.NotFound(func(w http.ResponseWriter, _ *http.Request) {
		control.JSON(w, http.StatusNotFound, map[string]string{"error": "not_found", "error_description": "No such PISTE endpoint."})
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, _ *http.Request) {
		control.JSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "invalid_request", "error_description": "Method not allowed."})
	})
	return r
}

// AddPortal registers (or replaces) a portal at run time.
func (m *Mock) AddPortal(p fixtures.Portal) error {
	if p.ClientID == "" || p.ClientSecret == "" {
		return errors.New("client_id and client_secret are required")
	}
	if len(p.Scopes) == 0 {
		p.Scopes = []string{"proconnect"}
	}
	m.store.add(p)
	return nil
}

// token serves the client_credentials grant. Two cases are answered before
// fosite, which words them otherwise: RFC 6749 §5.2 wants
// unsupported_grant_type for another grant, and invalid_client (401) when
// the client sends no credentials at all.
func (m *Mock) token(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	ctx := r.Context()
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "The request body is not a valid form.")
		return
	}
	switch gt := r.PostForm.Get("grant_type"); {
	case gt == "":
		oauthError(w, http.StatusBadRequest, "invalid_request", "The grant_type parameter is missing.")
		return
	case gt != "client_credentials":
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "PISTE issues tokens for the client_credentials grant only.")
		return
	}
	// the client it claims to be, for the journal (a harness names the
	// portal whose token request failed); the journal's client, which a
	// portal's control token reads by, is set once fosite authenticated it
	claimed, _, basic := r.BasicAuth()
	if basic {
		if u, err := url.QueryUnescape(claimed); err == nil {
			claimed = u
		}
	} else {
		claimed = r.PostForm.Get("client_id")
	}
	control.NoteClaimedClient(ctx, claimed)
	if !basic && claimed == "" {
		w.Header().Set("WWW-Authenticate", `Basic realm="piste"`)
		oauthError(w, http.StatusUnauthorized, "invalid_client", "No client authentication: send client_secret_basic or client_id and client_secret.")
		return
	}
	// the token's claims are the client's and the grant's (tokenStrategy):
	// the session carries only its expiry
	ar, err := m.oauth.NewAccessRequest(ctx, r, &oauth2.JWTSession{})
	if err != nil {
		m.oauth.WriteAccessError(ctx, w, ar, err)
		return
	}
	id := ar.GetClient().GetID()
	control.NoteClient(ctx, id)
	// fosite has checked the requested scopes against the portal's; grant
	// them, or, when none is asked, every scope the portal holds.
	granted := ar.GetRequestedScopes()
	if len(granted) == 0 {
		granted = ar.GetClient().GetScopes()
	}
	for _, s := range granted {
		ar.GrantScope(s)
	}
	ar.GrantAudience(m.cfg.Audience)
	resp, err := m.oauth.NewAccessResponse(ctx, ar)
	if err != nil {
		m.oauth.WriteAccessError(ctx, w, ar, err)
		return
	}
	writeAccessResponse(w, resp)
}

// oauthError writes an RFC 6749 §5.2 error.
func oauthError(w http.ResponseWriter, status int, code, description string) {
	w.Header().Set("Cache-Control", "no-store")
	control.JSON(w, status, map[string]string{"error": code, "error_description": description})
}

func (m *Mock) serveJWKS(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/jwk-set+json")
	_, _ = w.Write(m.jwks)
}

// metadata is the RFC 8414 authorization-server metadata.
func (m *Mock) metadata(w http.ResponseWriter, _ *http.Request) {
	control.JSON(w, http.StatusOK, map[string]any{
		"issuer": m.issuer, "token_endpoint": m.issuer + "/api/oauth/token", "jwks_uri": m.issuer + "/api/oauth/jwks",
		"grant_types_supported":                 []string{"client_credentials"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		"scopes_supported":                      []string{"proconnect"},
	})
}

// store is the "base des accès": portals from the fixtures, replaced or
// completed at run time. It keeps no tokens: they are self-contained JWTs.
type store struct {
	audience string
	fixture  map[string]*fosite.DefaultClient
	fixtures []fixtures.Portal
	runtime  sync.Map // client_id → *fosite.DefaultClient
	added    sync.Map // client_id → fixtures.Portal
}

var (
	_ fosite.ClientManager       = (*store)(nil)
	_ oauth2.AccessTokenStorage  = (*store)(nil)
	_ oauth2.RefreshTokenStorage = (*store)(nil)
)

func newStore(portals []fixtures.Portal, audience string) *store {
	s := &store{audience: audience, fixture: map[string]*fosite.DefaultClient{}, fixtures: portals}
	for _, p := range portals {
		s.fixture[p.ClientID] = s.client(p)
	}
	return s
}

func (s *store) client(p fixtures.Portal) *fosite.DefaultClient {
	scopes := p.Scopes
	if len(scopes) == 0 {
		scopes = []string{"proconnect"}
	}
	return &fosite.DefaultClient{ID: p.ClientID, Secret: []byte(p.ClientSecret), Scopes: scopes,
		GrantTypes: []string{"client_credentials"}, Audience: []string{s.audience}}
}

func (s *store) add(p fixtures.Portal) {
	s.runtime.Store(p.ClientID, s.client(p))
	s.added.Store(p.ClientID, p)
}

func (s *store) remove(id string) bool {
	_, ok := s.runtime.LoadAndDelete(id)
	s.added.Delete(id)
	return ok
}

func (s *store) reset() {
	s.runtime.Clear()
	s.added.Clear()
}

// portals lists the registered portals without their secrets.
func (s *store) portals() []map[string]any {
	var out []map[string]any
	seen := map[string]bool{}
	add := func(p fixtures.Portal, origin string) {
		if seen[p.ClientID] {
			return
		}
		seen[p.ClientID] = true
		out = append(out, map[string]any{"client_id": p.ClientID, "name": p.Name, "scopes": p.Scopes,
			"redirect_uris": p.RedirectURIs, "events_url": p.EventsURL, "origin": origin})
	}
	s.added.Range(func(_, v any) bool { add(v.(fixtures.Portal), "run time"); return true })
	for _, p := range s.fixtures {
		add(p, "fixtures")
	}
	return out
}

func (s *store) GetClient(_ context.Context, id string) (fosite.Client, error) {
	if v, ok := s.runtime.Load(id); ok {
		return v.(*fosite.DefaultClient), nil
	}
	if c, ok := s.fixture[id]; ok {
		return c, nil
	}
	return nil, fosite.ErrNotFound
}

func (s *store) ClientAssertionJWTValid(context.Context, string) error          { return nil }
func (s *store) SetClientAssertionJWT(context.Context, string, time.Time) error { return nil }

// Access tokens are JWTs that carry everything; nothing is stored.

func (s *store) CreateAccessTokenSession(context.Context, string, fosite.Requester) error { return nil }
func (s *store) GetAccessTokenSession(context.Context, string, fosite.Session) (fosite.Requester, error) {
	return nil, fosite.ErrNotFound
}
func (s *store) DeleteAccessTokenSession(context.Context, string) error { return nil }
func (s *store) CreateRefreshTokenSession(context.Context, string, string, fosite.Requester) error {
	return errors.New("piste issues no refresh token")
}
func (s *store) GetRefreshTokenSession(context.Context, string, fosite.Session) (fosite.Requester, error) {
	return nil, fosite.ErrNotFound
}
func (s *store) DeleteRefreshTokenSession(context.Context, string) error  { return nil }
func (s *store) RotateRefreshToken(context.Context, string, string) error { return nil }
func (s *store) RevokeRefreshToken(context.Context, string) error         { return nil }
func (s *store) RevokeAccessToken(context.Context, string) error          { return nil }
