package harness

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cucumber/godog"
	"github.com/go-jose/go-jose/v4"

	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
)

// spClient is a FranceConnect service provider as a scenario uses it.
type spClient struct {
	id, secret, profile, alg, redirect, acr, entity string
	scopes                                          []string
	authKey                                         *fixtures.Key
}

func (c *spClient) prefix() string {
	if c.profile == "plus" {
		return "/plus/api/v2"
	}
	return "/api/v2"
}

// fcWorld is the state of one franceconnect scenario.
type fcWorld struct {
	env   *suiteEnv
	name  string
	began time.Time // when the scenario started
	// portalLog is the suite's exchanges with the portal under test (for
	// the report); mu guards it (a step may poll while another browser
	// runs).
	mu        sync.Mutex
	portalLog []PortalExchange
	browser   *driver
	backend   *driver // server-to-server calls (no cookies shared with the browser)

	clients []*spClient
	sp      *spClient

	params   url.Values
	last     *exchange
	callback *url.URL
	code     string
	verifier string
	started  time.Time
	elapsed  time.Duration

	token     map[string]any
	idToken   string // as received (JWS or JWE)
	idHeader  map[string]any
	idClaims  map[string]any
	idJWS     string
	userinfo  map[string]any
	uiHeader  map[string]any
	uiRaw     string
	noted     string
	slowLogin string
	assertion string

	pc proconnectWorld
	// trace tags the scenario's requests (control.ScenarioHeader), so the
	// components' journals tell its exchanges apart; steps are what ran.
	trace string
	steps []StepResult
	mw    mailWorld

	// registre and piste suites
	siren      string         // the scenario's own company
	rneToken   string         // RNE session
	rneDoc     map[string]any // the last RNE company read
	portalID   string         // a portal registered for the scenario
	portalKey  string
	pisteToken string
}

func newFCWorld(env *suiteEnv, name string) *fcWorld {
	id := randomHex(6)
	w := &fcWorld{env: env, name: name, trace: id}
	home := []string{env.fcURL, env.sireneURL, env.pisteURL, env.coreURL}
	if env.portal.StartURL != "" {
		if u, err := url.Parse(env.portal.StartURL); err == nil {
			home = append(home, u.Scheme+"://"+u.Host)
		}
	}
	for _, iss := range env.issuers {
		if u, err := url.Parse(iss); err == nil {
			home = append(home, u.Scheme+"://"+u.Host)
		}
	}
	for _, u := range env.portal.RedirectURIs {
		if b := baseOf(u); b != "" {
			home = append(home, b)
		}
	}
	w.browser = newDriver(env.transport, id, home...)
	w.backend = newDriver(env.transport, id, env.fcURL)
	// the report shows the suite's own exchanges with the portal under
	// test (it has no journal the suite could read)
	portal := map[string]bool{}
	for _, u := range append([]string{env.portal.StartURL, env.portal.EventsURL, env.portal.StatusURL, env.portal.AccessRequestURL,
		env.portal.CertificationURL, env.portal.RecheckURL, env.portal.AccessStatusURL}, env.portal.RedirectURIs...) {
		if b := baseOf(strings.NewReplacer("{", "", "}", "").Replace(u)); b != "" {
			portal[b] = true
		}
	}
	seen := func(e *exchange, reqBody []byte) {
		if portal[baseOf(e.url.String())] {
			w.noteExchange(e, reqBody)
		}
	}
	w.browser.seen, w.backend.seen = seen, seen
	// ProConnect, FranceConnect (and its FC+ issuer), the register, PISTE,
	// the mail catcher and the portal are different sites in production
	site := map[string]string{}
	for name, u := range map[string]string{"proconnect": env.coreURL, "franceconnect": env.fcURL, "sirene": env.sireneURL,
		"piste": env.pisteURL, "mailbox": env.mailboxURL} {
		if b := baseOf(u); b != "" {
			site[b] = name
		}
	}
	for b := range portal {
		site[b] = "portal"
	}
	w.browser.siteOf = func(u *url.URL) string {
		if s, ok := site[baseOf(u.String())]; ok {
			return s
		}
		return cookieSite(u)
	}
	return w
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (w *fcWorld) fc(path string) string { return w.env.fcURL + path }

// issuer is the current client's issuer, as discovery announced it.
func (w *fcWorld) issuer() string { return w.env.issuers[w.sp.profile] }

// needControl marks the scenario not applicable when the target has no
// control API.
func (w *fcWorld) needControl(why string) error {
	if w.env.control {
		return nil
	}
	w.env.notApplicable(w.name, why)
	return godog.ErrSkip
}

// controlCall posts JSON to a control route of FranceConnect.
func (w *fcWorld) controlCall(path string, body any) (*exchange, error) {
	return w.controlAt(w.env.fcURL, http.MethodPost, path, body)
}

// clientOptions shape the service provider a scenario creates.
type clientOptions struct {
	profile, alg, encKey, encAlg, entity string
	scopes                               []string
	inactive, noAMR, pkce, pkjwt         bool
}

var (
	lowScopes  = []string{"openid", "identite_pivot", "profile", "birth", "given_name", "family_name", "gender", "birthdate", "birthplace", "birthcountry", "email", "preferred_username", "idp_birthdate", "idp_id", "amr"}
	plusScopes = []string{"openid", "identite_pivot", "profile", "birth", "given_name", "family_name", "gender", "birthdate", "birthplace", "birthcountry", "email", "preferred_username", "rnipp_identite_pivot", "rnipp_profile", "rnipp_birth", "rnipp_given_name", "rnipp_family_name", "rnipp_gender", "rnipp_birthdate", "rnipp_birthplace", "rnipp_birthcountry", "amr"}
)

// newClient creates a service provider for this scenario through the
// control API, or, on a target without one, uses the configured client for
// the plain case and marks the others not applicable.
func (w *fcWorld) newClient(o clientOptions) error {
	if o.profile == "" {
		o.profile = "low"
	}
	plain := o.alg == "" && o.encKey == "" && o.entity == "" && o.scopes == nil && !o.inactive && !o.noAMR && !o.pkce && !o.pkjwt
	if !w.env.control {
		if !plain {
			return w.needControl("needs a service provider created through the control API")
		}
		ext := w.env.external
		if o.profile == "plus" {
			ext = w.env.externalPlus
		}
		c := ext
		w.use(&c)
		return nil
	}
	c := &spClient{id: "fs-" + randomHex(6), secret: "secret-" + randomHex(16), profile: o.profile,
		redirect: "http://localhost:8080/callback", entity: o.entity}
	if c.entity == "" {
		c.entity = "entity-" + c.id
	}
	c.alg = o.alg
	if c.alg == "" {
		c.alg = "ES256"
	}
	c.acr = "eidas1"
	c.scopes = lowScopes
	if o.profile == "plus" {
		c.acr, c.scopes = "eidas2", plusScopes
	}
	if o.scopes != nil {
		c.scopes = o.scopes
	}
	fc := fixtures.Client{ClientID: c.id, ClientSecret: c.secret, Name: "Service du scénario " + c.id, EntityID: c.entity,
		Profile: o.profile, RedirectURIs: fixtures.RedirectURIs{"http://localhost/callback", "http://127.0.0.1/callback"},
		PostLogoutRedirectURIs: fixtures.RedirectURIs{"http://localhost/logout-callback"},
		Scopes:                 c.scopes, IDTokenSignedAlg: c.alg, UserinfoSignedAlg: c.alg, PKCE: o.pkce,
		EncryptionKey: o.encKey, EncryptionAlg: o.encAlg}
	if !o.noAMR {
		fc.Claims = []string{"amr"}
	}
	if o.inactive {
		f := false
		fc.Active = &f
	}
	if o.pkjwt {
		fc.TokenEndpointAuthMethod = "private_key_jwt"
		fc.AuthKeys = []string{"fs-pkjwt-1"}
		fc.ClientSecret = ""
		if k, ok := w.env.fixtures.Key("fs-pkjwt-1"); ok {
			c.authKey = &k
		}
	}
	if _, err := w.controlCall("/clients", fc); err != nil {
		return err
	}
	w.use(c)
	return nil
}

func (w *fcWorld) use(c *spClient) {
	w.clients = append(w.clients, c)
	w.sp = c
}

// defaultParams is a correct authorization request of the current client.
func (w *fcWorld) defaultParams() url.Values {
	scope := "openid identite_pivot email"
	if !slices.Contains(w.sp.scopes, "identite_pivot") {
		scope = "openid"
	}
	return url.Values{
		"client_id": {w.sp.id}, "redirect_uri": {w.sp.redirect}, "response_type": {"code"}, "scope": {scope},
		"state": {"state-" + randomHex(8)}, "nonce": {"nonce-" + randomHex(16)}, "acr_values": {w.sp.acr},
	}
}

// authorize sends the browser to FranceConnect with params and follows it
// to the login page or back to the service.
func (w *fcWorld) authorize(params url.Values) error {
	w.params = params
	w.callback, w.code = nil, ""
	e, err := w.browser.open(w.fc(w.sp.prefix()+"/authorize") + "?" + params.Encode())
	if err != nil {
		return err
	}
	w.land(e)
	return nil
}

// land records where the browser ended: a page, or the service's callback.
func (w *fcWorld) land(e *exchange) {
	w.last = e
	if e.isRedirect() && !w.browser.isHome(e.location()) {
		w.callback = e.location()
		w.code = w.callback.Query().Get("code")
	}
}

// click follows the link of the current page whose text is text, as a
// person would.
func (w *fcWorld) click(text string) error {
	hrefs := links(w.last.body, text)
	if len(hrefs) == 0 {
		return fmt.Errorf("no link %q on the page: %s", text, w.last.describe())
	}
	target, err := w.last.url.Parse(hrefs[0])
	if err != nil {
		return err
	}
	e, err := w.browser.open(target.String())
	if err != nil {
		return err
	}
	w.land(e)
	return nil
}

// password returns a persona's password as the fixtures know it.
func (w *fcWorld) password(login string) string {
	if p, ok := w.env.fixtures.Persona(login); ok && p.Password != "" {
		return p.Password
	}
	return "123"
}

// loginAs fills the login form of the current page, as a person would.
func (w *fcWorld) loginAs(login, password string) error {
	login = w.expand(login)
	if w.callback != nil {
		return nil // FranceConnect's session already logged the person in
	}
	f, ok := loginForm(w.last.body)
	if !ok {
		return fmt.Errorf("no login form on the page: %s", w.last.describe())
	}
	start := time.Now()
	e, err := w.browser.submit(w.last, f, map[string]string{"login": login, "password": password})
	if err != nil {
		return err
	}
	w.elapsed = time.Since(start)
	w.land(e)
	return nil
}

// connect runs a whole login and checks a code came back.
func (w *fcWorld) connect(login string, params url.Values) error {
	login = w.expand(login)
	if err := w.authorize(params); err != nil {
		return err
	}
	if err := w.loginAs(login, w.password(login)); err != nil {
		return err
	}
	if w.code == "" {
		return fmt.Errorf("no code came back to the service: %s", w.last.describe())
	}
	return nil
}

// exchangeCode calls the token endpoint with form values on top of the
// defaults, and keeps the id_token of a success.
func (w *fcWorld) exchangeCode(sp *spClient, over map[string]string) error {
	form := url.Values{"grant_type": {"authorization_code"}, "code": {w.code}, "redirect_uri": {sp.redirect},
		"client_id": {sp.id}}
	if sp.authKey == nil {
		form.Set("client_secret", sp.secret)
	}
	for k, v := range over {
		if v == "\x00" {
			form.Del(k)
			continue
		}
		form.Set(k, v)
	}
	e, err := w.backend.postForm(w.fc(sp.prefix()+"/token"), form)
	if err != nil {
		return err
	}
	w.last = e
	w.token = nil
	if e.status == http.StatusOK {
		if err := json.Unmarshal(e.body, &w.token); err != nil {
			return fmt.Errorf("token answer is not JSON: %w", err)
		}
		if s, ok := w.token["id_token"].(string); ok {
			w.idToken = s
			if err := w.decodeIDToken(); err != nil {
				return err
			}
		}
	}
	return nil
}

// decodeIDToken decrypts (JWE) when needed and decodes header and claims.
func (w *fcWorld) decodeIDToken() error {
	jws, err := w.decryptIfJWE(w.idToken)
	if err != nil {
		return err
	}
	w.idJWS = jws
	w.idHeader, w.idClaims, err = decodeJWS(jws)
	return err
}

func (w *fcWorld) decryptIfJWE(compact string) (string, error) {
	if strings.Count(compact, ".") != 4 {
		return compact, nil
	}
	jwe, err := jose.ParseEncrypted(compact, []jose.KeyAlgorithm{jose.ECDH_ES, jose.RSA_OAEP, jose.RSA_OAEP_256},
		[]jose.ContentEncryption{jose.A256GCM})
	if err != nil {
		return "", fmt.Errorf("JWE: %w", err)
	}
	k, ok := w.env.fixtures.Key(jwe.Header.KeyID)
	if !ok {
		return "", fmt.Errorf("JWE for kid %q: no such key in the fixtures", jwe.Header.KeyID)
	}
	plain, err := jwe.Decrypt(k.Signer)
	if err != nil {
		return "", fmt.Errorf("JWE: %w", err)
	}
	return string(plain), nil
}

func decodeJWS(compact string) (map[string]any, map[string]any, error) {
	parts := strings.Split(compact, ".")
	if len(parts) != 3 {
		return nil, nil, fmt.Errorf("not a compact JWS: %d parts", len(parts))
	}
	var h, c map[string]any
	for i, dst := range []*map[string]any{&h, &c} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			return nil, nil, fmt.Errorf("JWS part %d: %w", i, err)
		}
		if err := json.Unmarshal(b, dst); err != nil {
			return nil, nil, fmt.Errorf("JWS part %d: %w", i, err)
		}
	}
	return h, c, nil
}

// verifyJWS checks a compact JWS with alg against the JWKS (or the client
// secret for HS256) and returns the kid that verified it.
func (w *fcWorld) verifyJWS(compact, alg string) (string, error) {
	jws, err := jose.ParseSigned(compact, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(alg)})
	if err != nil {
		return "", fmt.Errorf("not a JWS signed %s: %w", alg, err)
	}
	if alg == "HS256" {
		_, err := jws.Verify([]byte(w.sp.secret))
		return "", err
	}
	set, err := w.fetchJWKS()
	if err != nil {
		return "", err
	}
	kid := jws.Signatures[0].Header.KeyID
	keys := set.Key(kid)
	if len(keys) == 0 {
		return "", fmt.Errorf("kid %q is not in the JWKS", kid)
	}
	if _, err := jws.Verify(keys[0]); err != nil {
		return "", fmt.Errorf("signature: %w", err)
	}
	return kid, nil
}

func (w *fcWorld) fetchJWKS() (*jose.JSONWebKeySet, error) {
	e, err := w.backend.get(w.fc(w.sp.prefix() + "/jwks"))
	if err != nil {
		return nil, err
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(e.body, &set); err != nil {
		return nil, fmt.Errorf("JWKS: %w", err)
	}
	return &set, nil
}

// callUserinfo calls userinfo with a bearer (or none, or as a parameter).
func (w *fcWorld) callUserinfo(token string, asParam bool) error {
	target := w.fc(w.sp.prefix() + "/userinfo")
	if asParam {
		target += "?access_token=" + url.QueryEscape(token)
	}
	req, err := http.NewRequest(http.MethodGet, target, nil)
	if err != nil {
		return err
	}
	if token != "" && !asParam {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	e, err := w.backend.do(req)
	if err != nil {
		return err
	}
	w.last = e
	w.userinfo, w.uiHeader = nil, nil
	if e.status == http.StatusOK {
		w.uiRaw = string(e.body)
		jws, err := w.decryptIfJWE(w.uiRaw)
		if err != nil {
			return err
		}
		w.uiHeader, w.userinfo, err = decodeJWS(jws)
		return err
	}
	return nil
}

func (w *fcWorld) accessToken() string {
	s, _ := w.token["access_token"].(string)
	return s
}

// pkcePair returns a verifier and its S256 challenge.
func pkcePair() (string, string) {
	v := randomHex(32)
	sum := sha256.Sum256([]byte(v))
	return v, base64.RawURLEncoding.EncodeToString(sum[:])
}

// clientAssertion signs a private_key_jwt assertion for the token endpoint.
func (w *fcWorld) clientAssertion() (string, error) {
	k := w.sp.authKey
	if k == nil {
		return "", errors.New("this service provider has no authentication key")
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: k.Signer, KeyID: k.KID}}, nil)
	if err != nil {
		return "", err
	}
	now := time.Now()
	claims, _ := json.Marshal(map[string]any{"iss": w.sp.id, "sub": w.sp.id, "aud": w.fc(w.sp.prefix() + "/token"),
		"jti": randomHex(16), "iat": now.Unix(), "exp": now.Add(time.Minute).Unix()})
	sig, err := signer.Sign(claims)
	if err != nil {
		return "", err
	}
	return sig.CompactSerialize()
}

// jsonEqual compares a decoded JSON value with a JSON literal.
func jsonEqual(got any, literal string) (bool, error) {
	var want any
	if err := json.Unmarshal([]byte(literal), &want); err != nil {
		return false, fmt.Errorf("expected value %s is not JSON: %w", literal, err)
	}
	g, _ := json.Marshal(got)
	wb, _ := json.Marshal(want)
	return bytes.Equal(g, wb), nil
}

func keysOf(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

func exactKeys(what string, m map[string]any, list string) error {
	want := splitList(list)
	got := keysOf(m)
	if !slices.Equal(got, want) {
		return fmt.Errorf("%s has keys %v, want exactly %v", what, got, want)
	}
	return nil
}

func hasValue(what string, m map[string]any, key, literal string) error {
	v, ok := jsonAt(m, key)
	if !ok {
		return fmt.Errorf("%s has no %q (keys: %v)", what, key, keysOf(m))
	}
	eq, err := jsonEqual(v, literal)
	if err != nil {
		return err
	}
	if !eq {
		g, _ := json.Marshal(v)
		return fmt.Errorf("%s %q = %s, want %s", what, key, g, literal)
	}
	return nil
}

// jsonAt resolves a path such as "uniteLegale.periodesUniteLegale[0].dateFin"
// in a decoded JSON value.
func jsonAt(v any, path string) (any, bool) {
	for _, seg := range strings.Split(path, ".") {
		name, rest, _ := strings.Cut(seg, "[")
		if name != "" {
			m, ok := v.(map[string]any)
			if !ok {
				return nil, false
			}
			if v, ok = m[name]; !ok {
				return nil, false
			}
		}
		for rest != "" {
			idx, after, ok := strings.Cut(rest, "]")
			if !ok {
				return nil, false
			}
			list, isList := v.([]any)
			n, err := strconv.Atoi(idx)
			if !isList || err != nil || n < 0 || n >= len(list) {
				return nil, false
			}
			v = list[n]
			rest = strings.TrimPrefix(after, "[")
		}
	}
	return v, true
}

func base64Std(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
