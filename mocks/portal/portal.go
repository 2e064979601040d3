package portal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/control"
	"github.com/proconnect-sandbox/proconnect-sandbox/internal/randid"
)

// Config configures the reference portal.
type Config struct {
	// PublicURL is the portal as browsers see it (its redirect_uri is
	// PublicURL + "/retour").
	PublicURL string
	// ProConnectURL is where the portal calls the ProConnect API;
	// ProConnectIssuer the core's public URL, which events carry as iss.
	ProConnectURL, ProConnectIssuer string
	// PisteURL is where the portal gets its access tokens.
	PisteURL               string
	ClientID, ClientSecret string
	Defects                Defects
	Kit                    *control.Kit
	Logger                 *slog.Logger
	HTTPClient             *http.Client
	// Journals are the base URLs of the other components whose journals
	// the flow page reads (/__sandbox/journal, with the kit's token).
	Journals []string
}

// Defects breaks one rule each, for the conformance suite's own tests.
type Defects struct {
	AcceptUnsigned           bool `json:"accept_unsigned,omitempty"`            // accepts alg none / unverifiable events
	AcceptHS256              bool `json:"accept_hs256,omitempty"`               // verifies HS256 with the core's public key
	AcceptUnknownKID         bool `json:"accept_unknown_kid,omitempty"`         // ignores kid, tries every key
	IgnoreAudience           bool `json:"ignore_audience,omitempty"`            // accepts another portal's events
	IgnoreIssuer             bool `json:"ignore_issuer,omitempty"`              // accepts events from anyone's iss
	IgnoreExpiry             bool `json:"ignore_expiry,omitempty"`              // accepts expired events
	ApplyDuplicates          bool `json:"apply_duplicates,omitempty"`           // applies a replayed jti again
	CloseMatchAsCertified    bool `json:"close_match_as_certified,omitempty"`   // certifies on a close match
	NoAlternative            bool `json:"no_alternative,omitempty"`             // offers no alternative path
	SlowEvents               bool `json:"slow_events,omitempty"`                // answers events after 10 s
	AcceptMalformed          bool `json:"accept_malformed,omitempty"`           // answers 2xx to garbage
	ApproveOnFiling          bool `json:"approve_on_filing,omitempty"`          // opens a collaborator's account before the dirigeant answers
	AnyAccessEventAdmits     bool `json:"any_access_event_admits,omitempty"`    // opens the account on a refusal or an expiry too
	OnlyCertificationEvts    bool `json:"only_certification_events,omitempty"`  // refuses (400) events other than certification.*
	StrictData               bool `json:"strict_data,omitempty"`                // refuses (400) data fields it does not know
	RecertifyAfterRevocation bool `json:"recertify_after_revocation,omitempty"` // a late completion undoes a revocation
	IgnoreEarlyRevocation    bool `json:"ignore_early_revocation,omitempty"`    // a revocation arriving before its completion is lost
	TrustHeaderKeys          bool `json:"trust_header_keys,omitempty"`          // verifies with the key the header offers (jwk, jku, x5u, x5c)
	IgnoreType               bool `json:"ignore_type,omitempty"`                // accepts any typ
	IgnoreCritical           bool `json:"ignore_critical,omitempty"`            // verifies despite a crit extension it does not know
	NoExpRequired            bool `json:"no_exp_required,omitempty"`            // accepts an event without exp
	IgnoreIssuedAt           bool `json:"ignore_issued_at,omitempty"`           // accepts no iat, or one in the future
	HourOfLeeway             bool `json:"hour_of_leeway,omitempty"`             // tolerates an hour of clock skew on exp and iat
	LooseAudience            bool `json:"loose_audience,omitempty"`             // aud "contains" the client_id, any case
	LooseIssuer              bool `json:"loose_issuer,omitempty"`               // iss "starts with" ProConnect's URL
	NoJWKSCache              bool `json:"no_jwks_cache,omitempty"`              // reads the JWKS for every event
	StaticKeys               bool `json:"static_keys,omitempty"`                // reads the JWKS once, never again (misses rotations)
	RefetchEveryKID          bool `json:"refetch_every_kid,omitempty"`          // reads the JWKS again for every unknown kid
	ServerErrorOnBadEvents   bool `json:"server_error_on_bad_events,omitempty"` // refuses bad events with 500
	RefuseUnknownAccount     bool `json:"refuse_unknown_account,omitempty"`     // refuses (400) a valid event about an account it never opened
	IgnoreState              bool `json:"ignore_state,omitempty"`               // accepts a return without this browser's state (CSRF)
	IgnoreRecheck            bool `json:"ignore_recheck,omitempty"`             // does not apply its re-check's answer
	NoTokenCache             bool `json:"no_token_cache,omitempty"`             // asks PISTE for a token at every call
	CertifyAsRegistration    bool `json:"certify_as_registration,omitempty"`    // certifies an existing account as a new registration (no account_ref)
	AcceptAnyContentType     bool `json:"accept_any_content_type,omitempty"`    // takes an event whatever its Content-Type
	NormaliseIssuer          bool `json:"normalise_issuer,omitempty"`           // compares iss lower-cased, without a trailing slash
	AudienceStringOnly       bool `json:"audience_string_only,omitempty"`       // refuses aud as a list
	ShortJTIMemory           bool `json:"short_jti_memory,omitempty"`           // forgets a jti after 2 s (a retry is applied again)
	RecordJTIBeforeVerify    bool `json:"record_jti_before_verify,omitempty"`   // remembers a jti before checking the event (a forgery blocks the real one)
	NoRenewOn401             bool `json:"no_renew_on_401,omitempty"`            // keeps its PISTE token after ProConnect refused it
	RevokeBySIREN            bool `json:"revoke_by_siren,omitempty"`            // a revocation takes every account of the company
	StrictStateCookie        bool `json:"strict_state_cookie,omitempty"`        // its state cookie is SameSite=Strict (lost on the way back from ProConnect)
}

// Account states of the portal contract (docs/contrat-portail.md, section 5).
const (
	StatePending     = "pending"
	StateCertified   = "certified"
	StateNot         = "not_certified"
	StateRevoked     = "revoked"
	StateAlternative = "alternative_offered"
)

// Portal is the reference portal. It is an http.Handler.
type Portal struct {
	cfg      Config
	kit      *control.Kit
	log      *slog.Logger
	http     *http.Client
	keys     *keyCache
	token    atomic.Pointer[pisteToken]
	renew    sync.Mutex
	accounts sync.Map // certification ID → *account
	byRef    sync.Map // account_ref → *account (an account certified again shares it)
	seen     sync.Map // jti → time.Time first seen
	requests sync.Map // access request ID → *accessRequest
	contacts sync.Map // SIREN → the dirigeant's contact email, from events; never shown on a page
	defects  atomic.Pointer[Defects]
	handler  http.Handler
	// the flow page: the components' recent journal entries and each
	// certification's starting tag
	journals    journals
	flowAliases sync.Map // certification ID → the tag its start carried
}

type pisteToken struct {
	value string
	until time.Time
}

// account is what the portal knows of one registration.
type account struct {
	mu        sync.Mutex
	ref       string
	siren     string
	state     string
	outcome   string
	dirigeant string
	applied   int
	// revoked lists the certifications revoked: a revocation is final for
	// its certification, whatever order the events arrive in.
	revoked map[string]bool
}

// New builds the reference portal.
func New(cfg Config) (*Portal, error) {
	if cfg.PublicURL == "" || cfg.ProConnectURL == "" || cfg.PisteURL == "" || cfg.ClientID == "" {
		return nil, errors.New("portal: public URL, ProConnect, PISTE and client are required")
	}
	for _, u := range []*string{&cfg.PublicURL, &cfg.ProConnectURL, &cfg.ProConnectIssuer, &cfg.PisteURL} {
		*u = strings.TrimRight(*u, "/")
	}
	if cfg.ProConnectIssuer == "" {
		cfg.ProConnectIssuer = cfg.ProConnectURL
	}
	if cfg.Kit == nil {
		cfg.Kit = control.NewKit("portal", nil, "")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Kit.Log == nil {
		cfg.Kit.Log = cfg.Logger
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second, Transport: control.PropagateFrom(cfg.Kit.Component, &http.Transport{MaxIdleConnsPerHost: 64})}
	}
	p := &Portal{cfg: cfg, kit: cfg.Kit, log: cfg.Logger, http: cfg.HTTPClient}
	if cfg.Kit.PortalCalls == nil {
		cfg.Kit.PortalCalls = p.ownClockCall
	}
	p.keys = newKeyCache(cfg.ProConnectURL+"/api/v1/jwks", cfg.HTTPClient, p.now, func() keyPolicy {
		d := p.defects.Load()
		return keyPolicy{noCache: d.NoJWKSCache, never: d.StaticKeys, noRateLimit: d.RefetchEveryKID}
	})
	d := cfg.Defects
	p.defects.Store(&d)
	p.handler = p.routes()
	return p, nil
}

// ServeHTTP serves the portal.
func (p *Portal) ServeHTTP(w http.ResponseWriter, r *http.Request) { p.handler.ServeHTTP(w, r) }

// Kit returns the control state.
func (p *Portal) Kit() *control.Kit { return p.kit }

// accessToken returns a PISTE token, cached until a minute before it
// expires; renewals are serialised, reads are not.
func (p *Portal) accessToken(ctx context.Context) (string, error) {
	if p.defects.Load().NoTokenCache {
		p.token.Store(nil)
	}
	if t := p.token.Load(); t != nil && time.Now().Before(t.until) {
		return t.value, nil
	}
	p.renew.Lock()
	defer p.renew.Unlock()
	if t := p.token.Load(); t != nil && time.Now().Before(t.until) {
		return t.value, nil
	}
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"proconnect"}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, p.cfg.PisteURL+"/api/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(p.cfg.ClientID), url.QueryEscape(p.cfg.ClientSecret))
	resp, err := p.http.Do(req)
	if err != nil {
		return "", fmt.Errorf("PISTE: %w", err)
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&out) != nil || out.AccessToken == "" {
		return "", fmt.Errorf("PISTE answered %d", resp.StatusCode)
	}
	p.token.Store(&pisteToken{value: out.AccessToken, until: time.Now().Add(time.Duration(out.ExpiresIn)*time.Second - time.Minute)})
	return out.AccessToken, nil
}

// api calls the ProConnect API; a 401 renews the token once.
func (p *Portal) api(ctx context.Context, method, path string, body any, out any) (int, []byte, error) {
	var payload []byte
	if body != nil {
		payload, _ = json.Marshal(body)
	}
	for attempt := 0; ; attempt++ {
		tok, err := p.accessToken(ctx)
		if err != nil {
			return 0, nil, err
		}
		req, _ := http.NewRequestWithContext(ctx, method, p.cfg.ProConnectURL+path, bytes.NewReader(payload))
		req.Header.Set("Authorization", "Bearer "+tok)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := p.http.Do(req)
		if err != nil {
			return 0, nil, fmt.Errorf("ProConnect: %w", err)
		}
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if resp.StatusCode == http.StatusUnauthorized && attempt == 0 && !p.defects.Load().NoRenewOn401 {
			p.token.Store(nil)
			continue
		}
		if out != nil && resp.StatusCode < 300 {
			if err := json.Unmarshal(raw, out); err != nil {
				return resp.StatusCode, raw, fmt.Errorf("ProConnect: unreadable answer: %w", err)
			}
		}
		return resp.StatusCode, raw, nil
	}
}

func randomID() string { return randid.New() }

// stateFor maps an outcome to the account state, as a correct portal must:
// only certified certifies; an eIDAS or foreign identity gets the portal's
// alternative path.
func (p *Portal) stateFor(outcome string) string {
	d := p.defects.Load()
	switch outcome {
	case "certified":
		return StateCertified
	case "close_match":
		if d.CloseMatchAsCertified {
			return StateCertified
		}
		return StateNot
	case "unsupported_identity":
		if d.NoAlternative {
			return StateNot
		}
		return StateAlternative
	case "":
		return StatePending
	}
	return StateNot
}

func (p *Portal) account(id string) (*account, bool) {
	v, ok := p.accounts.Load(id)
	if !ok {
		return nil, false
	}
	return v.(*account), true
}

// accountFor returns the account of a certification, creating it for events
// that arrive before the browser (a portal restarted in between, say). A
// certification of an existing account (ref) shares that account.
func (p *Portal) accountFor(id, siren, ref string) *account {
	if v, ok := p.accounts.Load(id); ok {
		return v.(*account)
	}
	a := &account{siren: siren, ref: ref, state: StatePending}
	if ref != "" {
		v, _ := p.byRef.LoadOrStore(ref, a)
		a = v.(*account)
	}
	v, _ := p.accounts.LoadOrStore(id, a)
	return v.(*account)
}
