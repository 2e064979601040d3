package franceconnect

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ory/fosite"

	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
	"github.com/proconnect-sandbox/proconnect-sandbox/internal/randid"
)

// Parameters of the authorize endpoint (docs/franceconnect.md, « Autorisation »: FranceConnect's
// strict DTO). Anything else is refused with Y030007.
var (
	authorizeRequired = []string{"client_id", "redirect_uri", "response_type", "scope", "state", "nonce", "acr_values"}
	authorizeOptional = []string{"prompt", "claims", "idp_hint", "ui_locales"}
	pkceParams        = []string{"code_challenge", "code_challenge_method"}
	acrOrder          = []string{"eidas1", "eidas2", "eidas3"}
)

const (
	minNonceLength   = 22
	maxParamLength   = 4096
	maxAuthorizeBody = 64 << 10
	sessionCookie    = "fc_session_id"
)

// interaction is an authorization waiting for the person to log in.
type interaction struct {
	uid         string
	client      *clientEntry
	redirectURI string
	state       string
	nonce       string
	scopes      []string
	acr         string
	wantAMR     bool
	form        url.Values // what fosite keeps: redirect_uri, PKCE parameters
	created     time.Time
}

// authorizeError is a rejected authorize request: an HTML page (page != "")
// or a redirection to the service with an OAuth error.
type authorizeError struct {
	page        string // Y-code of the HTML page
	status      int
	code        string // OAuth error, redirected
	description string
	fragment    bool
}

func pageError(ycode string) *authorizeError {
	return &authorizeError{page: ycode, status: http.StatusBadRequest}
}

func redirectError(code, description string) *authorizeError {
	return &authorizeError{code: code, description: description}
}

// authorize serves GET and POST /authorize for one profile.
func (m *Mock) authorize(p *profile) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		params, ok := authorizeParams(w, r)
		if !ok {
			m.renderError(w, http.StatusBadRequest, "Y030007", "")
			return
		}
		it, aerr := m.validateAuthorize(p, params)
		if aerr != nil {
			m.rejectAuthorize(w, r, p, it, aerr)
			return
		}
		m.maybeSweep()
		if q, ok := m.queue.take(it.client.fixture.ClientID); ok {
			m.applyQueued(w, r, it, q)
			return
		}
		if sso, ok := m.ssoSession(r); ok {
			if persona, ok := m.persona(sso.login); ok {
				m.complete(w, r, it, persona, true)
				return
			}
		}
		it.uid = randomID()
		m.interactions.Store(it.uid, it)
		http.Redirect(w, r, p.prefix+"/interaction/"+it.uid, http.StatusSeeOther)
	}
}

// authorizeParams reads the query (GET) or the form body (POST).
func authorizeParams(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	if r.Method == http.MethodGet {
		q, err := url.ParseQuery(r.URL.RawQuery)
		return q, err == nil
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxAuthorizeBody)
	if err := r.ParseForm(); err != nil {
		return nil, false
	}
	return r.PostForm, true
}

// validateAuthorize applies FranceConnect's checks in its order: the DTO
// (Y030007), the client (Y04EA6EF), the redirect_uri (Y04C013C), then the
// errors sent back to the service.
func (m *Mock) validateAuthorize(p *profile, q url.Values) (*interaction, *authorizeError) {
	client, known := m.client(q.Get("client_id"))
	for k, v := range q {
		allowed := slices.Contains(authorizeRequired, k) || slices.Contains(authorizeOptional, k) ||
			(known && client.fixture.PKCE && slices.Contains(pkceParams, k))
		if !allowed || len(v) != 1 || len(v[0]) > maxParamLength {
			return nil, pageError("Y030007")
		}
	}
	for _, k := range authorizeRequired {
		if _, ok := q[k]; !ok {
			return nil, pageError("Y030007")
		}
	}
	if q.Get("client_id") == "" || len(q.Get("nonce")) < minNonceLength || !validRedirectURI(q.Get("redirect_uri")) {
		return nil, pageError("Y030007")
	}
	if prompt, ok := q["prompt"]; ok && !validPrompt(prompt[0]) {
		return nil, pageError("Y030007")
	}
	var claims struct {
		IDToken map[string]json.RawMessage `json:"id_token"`
	}
	if raw, ok := q["claims"]; ok && json.Unmarshal([]byte(raw[0]), &claims) != nil {
		return nil, pageError("Y030007")
	}
	if !known || !client.fixture.IsActive() || client.profile != p {
		return nil, pageError("Y04EA6EF")
	}
	redirectURI := q.Get("redirect_uri")
	if !client.fixture.RedirectURIs.Allows(redirectURI) {
		return nil, pageError("Y04C013C")
	}
	it := &interaction{client: client, redirectURI: redirectURI, state: q.Get("state"), nonce: q.Get("nonce"),
		form: url.Values{"redirect_uri": {redirectURI}}, created: m.now()}

	switch rt := q.Get("response_type"); {
	case rt == "":
		return it, redirectError("invalid_request", "missing required parameter 'response_type'")
	case rt == "code":
	case strings.Contains(rt, "token"):
		e := redirectError("unsupported_response_type", "unsupported response_type requested")
		e.fragment = true
		return it, e
	default:
		return it, redirectError("unsupported_response_type", "unsupported response_type requested")
	}
	requested := strings.Fields(q.Get("scope"))
	if !slices.Contains(requested, "openid") {
		return it, redirectError("invalid_request", "openid scope must be requested when using the acr_values parameter")
	}
	for _, s := range requested {
		if _, isKnown := p.scopes[s]; !isKnown {
			continue // unknown scopes are dropped silently
		}
		i := slices.Index(client.fixture.Scopes, s)
		if i < 0 {
			return it, redirectError("invalid_scope", "requested scope is not allowed")
		}
		// the client's own string: s shares the request's line, which the
		// granted scopes would otherwise keep for the token's lifetime
		if !slices.Contains(it.scopes, s) {
			it.scopes = append(it.scopes, client.fixture.Scopes[i])
		}
	}
	acr, aerr := resolveACR(p, q.Get("acr_values"))
	if aerr != nil {
		return it, aerr
	}
	it.acr = acr
	if _, ok := claims.IDToken["amr"]; ok {
		if !slices.Contains(client.fixture.Claims, "amr") {
			return it, pageError("Y100009")
		}
		it.wantAMR = true
	}
	if hint, ok := q["idp_hint"]; ok {
		allowed := client.fixture.IDPHints
		if len(allowed) == 0 {
			allowed = []string{p.idpID, "eidas-bridge"}
		}
		if !slices.Contains(allowed, hint[0]) {
			return it, redirectError("invalid_idp_hint", "An idp_hint was provided but is not allowed")
		}
	}
	if cc := q.Get("code_challenge"); cc != "" {
		if q.Get("code_challenge_method") != "S256" {
			return it, redirectError("invalid_request", "code_challenge_method must be S256")
		}
		it.form.Set("code_challenge", cc)
		it.form.Set("code_challenge_method", "S256")
	}
	return it, nil
}

func validRedirectURI(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.Fragment == ""
}

// validPrompt: the value split on spaces holds at least one of login and
// consent; other values beside them are let through, as FranceConnect's
// authorize DTO does ("login none" passes; "", "none" and "select_account"
// do not). A value over 64 characters splits to nothing
// (docs/franceconnect.md, « Autorisation »).
func validPrompt(v string) bool {
	if len(v) > maxPromptLength {
		return false
	}
	for _, p := range strings.Split(v, " ") {
		if p == "login" || p == "consent" {
			return true
		}
	}
	return false
}

// maxPromptLength is the longest prompt FranceConnect splits.
const maxPromptLength = 64

// resolveACR keeps the known values, takes the lowest, and checks the
// platform allows it; no known value means the platform's default.
func resolveACR(p *profile, values string) (string, *authorizeError) {
	lowest := -1
	for _, v := range strings.Fields(values) {
		if i := slices.Index(acrOrder, v); i >= 0 && (lowest < 0 || i < lowest) {
			lowest = i
		}
	}
	if lowest < 0 {
		return p.defaultACR, nil
	}
	got := acrOrder[lowest]
	if !slices.Contains(p.acrs, got) {
		return "", redirectError("invalid_acr", "acr_value is not valid, should be equal one of these values, expected "+
			strings.Join(p.acrs, ",")+", got "+got)
	}
	return got, nil
}

func (m *Mock) rejectAuthorize(w http.ResponseWriter, r *http.Request, p *profile, it *interaction, e *authorizeError) {
	if e.page != "" {
		m.renderError(w, e.status, e.page, "")
		return
	}
	m.redirectWithError(w, r, p, it, e.code, e.description, e.fragment)
}

// redirectWithError sends the browser back to the service with an OAuth
// error, the state and the issuer (RFC 9207).
func (m *Mock) redirectWithError(w http.ResponseWriter, r *http.Request, p *profile, it *interaction, code, desc string, fragment bool) {
	v := url.Values{"error": {code}, "error_description": {desc}, "state": {it.state}, "iss": {p.issuer}}
	http.Redirect(w, r, withParams(it.redirectURI, v, fragment), http.StatusSeeOther)
}

func withParams(base string, v url.Values, fragment bool) string {
	if fragment {
		return base + "#" + v.Encode()
	}
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + v.Encode()
}

// complete logs persona in for the interaction: FranceConnect's checks on the
// identity, then the code, then the redirection to the service.
func (m *Mock) complete(w http.ResponseWriter, r *http.Request, it *interaction, persona *fixtures.Persona, sso bool) {
	p := it.client.profile
	abortURL := ""
	if it.uid != "" {
		abortURL = p.prefix + "/interaction/" + it.uid + "/abort?reason=error"
	}
	if f := persona.Failure; f != nil {
		switch f.Kind {
		case fixtures.FailureAccessDenied:
			m.endInteraction(it)
			m.redirectWithError(w, r, p, it, "access_denied", "User auth aborted", false)
			return
		case fixtures.FailureServerError:
			m.endInteraction(it)
			m.redirectWithError(w, r, p, it, "server_error", "authentication aborted due to a technical error on the authorization server", false)
			return
		case fixtures.FailureDeceased:
			m.renderError(w, http.StatusBadRequest, "Y010015", abortURL)
			return
		case fixtures.FailureDisabled:
			m.renderError(w, http.StatusForbidden, "Y180001", abortURL)
			return
		case fixtures.FailureSlow:
			if !sleep(r.Context(), f.Delay.Duration) {
				return
			}
		}
	}
	if problem := m.identityProblem(persona); problem != "" {
		m.log.Info("identity refused", "login", persona.Login, "problem", problem)
		m.renderError(w, http.StatusBadRequest, "Y600006", abortURL)
		return
	}
	acr := p.defaultACR
	amr := p.amr
	idp := p.idpID
	if persona.EIDAS {
		amr, idp = eidasAMR, "eidas-bridge"
	}
	if p.name == "plus" {
		have := persona.ACR
		if have == "" {
			have = "eidas3"
			if persona.EIDAS {
				have = "eidas2"
			}
		}
		if slices.Index(acrOrder, have) < slices.Index(acrOrder, it.acr) {
			m.renderError(w, http.StatusBadRequest, "Y100001", abortURL)
			return
		}
		acr = have
		if sso {
			acr = "eidas2" // FC+ SSO is granted at eidas2 (docs/franceconnect.md, « id_token »)
			if slices.Index(acrOrder, it.acr) > slices.Index(acrOrder, acr) {
				acr = have
			}
		}
	}
	now := m.now()
	sess := &session{
		Subject: m.subjects.of(it.client.fixture.Entity(), persona), ClientID: it.client.fixture.ClientID,
		Nonce: it.nonce, AuthTime: now, ACR: acr, IdPAMR: amr, IdPID: idp, Persona: persona,
	}
	if it.wantAMR {
		sess.AMR = amr
	}
	ar := fosite.NewAuthorizeRequest()
	ar.ID = randomID()
	ar.RequestedAt = now
	ar.Client = it.client.fosite
	ar.RedirectURI, _ = url.Parse(it.redirectURI)
	ar.State = it.state
	ar.ResponseTypes = fosite.Arguments{"code"}
	ar.ResponseMode = fosite.ResponseModeQuery
	ar.DefaultResponseMode = fosite.ResponseModeQuery
	ar.Form = it.form
	ar.RequestedScope = it.scopes
	for _, s := range it.scopes {
		ar.GrantScope(s)
	}
	resp, err := p.oauth.NewAuthorizeResponse(r.Context(), ar, sess)
	if err != nil {
		m.log.Error("authorize response", "err", err)
		m.endInteraction(it)
		m.redirectWithError(w, r, p, it, "server_error", "authentication aborted due to a technical error on the authorization server", false)
		return
	}
	m.endInteraction(it)
	if !sso {
		m.startSSO(w, persona.Login)
	}
	v := url.Values{"code": {resp.GetCode()}, "state": {it.state}, "iss": {p.issuer}}
	http.Redirect(w, r, withParams(it.redirectURI, v, false), http.StatusSeeOther)
}

// identityProblem is identityProblem of persona, checked once for a
// fixture's.
func (m *Mock) identityProblem(persona *fixtures.Persona) string {
	if problem, ok := m.fixtureProblems()[persona]; ok {
		return problem
	}
	return identityProblem(*persona)
}

func (m *Mock) endInteraction(it *interaction) {
	if it.uid != "" {
		m.interactions.Delete(it.uid)
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// eidasAMR is the amr of an eIDAS identity, shared by its sessions and
// tokens (never changed).
var eidasAMR = []string{"eidas"}

func randomID() string { return randid.New() }

// queued is what a test queued for the next authorization of a client: a
// persona to log in at once, or an error to end it with.
type queued struct {
	Login string `json:"login,omitempty"`
	Error string `json:"error,omitempty"`
}

// loginQueue holds queued logins per client. The request path reads one
// atomic counter and takes the mutex only when something is queued.
type loginQueue struct {
	n     atomic.Int64
	mu    sync.Mutex
	items map[string][]queued
}

func (q *loginQueue) push(clientID string, it queued) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.items == nil {
		q.items = map[string][]queued{}
	}
	q.items[clientID] = append(q.items[clientID], it)
	q.n.Add(1)
}

func (q *loginQueue) take(clientID string) (queued, bool) {
	if q.n.Load() == 0 {
		return queued{}, false
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, key := range []string{clientID, ""} {
		if list := q.items[key]; len(list) > 0 {
			q.items[key] = list[1:]
			q.n.Add(-1)
			return list[0], true
		}
	}
	return queued{}, false
}

func (q *loginQueue) clear() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.items = nil
	q.n.Store(0)
}

// Errors a test may queue, and what the service then receives.
var queuedErrors = map[string]string{
	"access_denied": "User auth aborted",
	"server_error":  "authentication aborted due to a technical error on the authorization server",
}

func (m *Mock) applyQueued(w http.ResponseWriter, r *http.Request, it *interaction, q queued) {
	if q.Error != "" {
		m.redirectWithError(w, r, it.client.profile, it, q.Error, queuedErrors[q.Error], false)
		return
	}
	persona, ok := m.persona(q.Login)
	if !ok {
		m.renderError(w, http.StatusBadRequest, "Y000410", "")
		return
	}
	m.complete(w, r, it, persona, false)
}
