package harness

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
)

// FranceConnect as the scenarios' service providers use it: creating a
// provider, sending the person to log in, exchanging the code, reading and
// verifying the tokens. The franceconnect suite's steps are built on these,
// and the proconnect and portail suites log their personas in with them.

// spClient is a FranceConnect service provider as a scenario uses it.
type spClient struct {
	id, secret, profile, alg, redirect, acr, entity string
	scopes                                          []string
	authKey                                         *fixtures.Key
}

// prefix is the path of the provider's API: FranceConnect+ has its own.
func (c *spClient) prefix() string {
	if c.profile == "plus" {
		return "/plus/api/v2"
	}
	return "/api/v2"
}

// fcURL is a FranceConnect URL.
func (w *world) fcURL(path string) string { return w.env.fcURL + path }

// issuer is the current client's issuer, as discovery announced it.
func (w *world) issuer() string { return w.env.issuers[w.fc.sp.profile] }

// fcControl posts JSON to a control route of FranceConnect.
func (w *world) fcControl(path string, body any) (*exchange, error) {
	return w.controlAt(w.env.fcURL, http.MethodPost, path, body)
}

// clientOptions shape the service provider a scenario creates.
type clientOptions struct {
	profile, alg, encKey, encAlg, entity string
	scopes                               []string
	inactive, noAMR, pkce, pkjwt         bool
}

// lowScopes and plusScopes are what a scenario's provider is allowed, by
// profile.
var (
	lowScopes  = []string{"openid", "identite_pivot", "profile", "birth", "given_name", "family_name", "gender", "birthdate", "birthplace", "birthcountry", "email", "preferred_username", "idp_birthdate", "idp_id", "amr"}
	plusScopes = []string{"openid", "identite_pivot", "profile", "birth", "given_name", "family_name", "gender", "birthdate", "birthplace", "birthcountry", "email", "preferred_username", "rnipp_identite_pivot", "rnipp_profile", "rnipp_birth", "rnipp_given_name", "rnipp_family_name", "rnipp_gender", "rnipp_birthdate", "rnipp_birthplace", "rnipp_birthcountry", "amr"}
)

// newClient creates a service provider for this scenario through the
// control API, or, on a target without one, uses the configured client for
// the plain case and marks the others not applicable.
func (w *world) newClient(o clientOptions) error {
	if o.profile == "" {
		o.profile = "low"
	}
	plain := o.alg == "" && o.encKey == "" && o.entity == "" && o.scopes == nil && !o.inactive && !o.noAMR && !o.pkce && !o.pkjwt
	if !w.env.control {
		if !plain {
			return w.needControl("a besoin d'un fournisseur de service créé par l'API de contrôle")
		}
		ext := w.env.external
		if o.profile == "plus" {
			ext = w.env.externalPlus
		}
		c := ext
		w.use(&c)
		return nil
	}
	c, fc := w.scenarioClient(o)
	if _, err := w.fcControl("/clients", fc); err != nil {
		return err
	}
	w.use(c)
	return nil
}

// scenarioClient is a new service provider of these options: as the
// scenario uses it, and as FranceConnect's control API registers it.
func (w *world) scenarioClient(o clientOptions) (*spClient, fixtures.Client) {
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
	return c, fc
}

// use makes c the scenario's current service provider.
func (w *world) use(c *spClient) {
	w.fc.clients = append(w.fc.clients, c)
	w.fc.sp = c
}

// defaultParams is a correct authorization request of the current client.
func (w *world) defaultParams() url.Values {
	scope := "openid identite_pivot email"
	if !slices.Contains(w.fc.sp.scopes, "identite_pivot") {
		scope = "openid"
	}
	return url.Values{
		"client_id": {w.fc.sp.id}, "redirect_uri": {w.fc.sp.redirect}, "response_type": {"code"}, "scope": {scope},
		"state": {"state-" + randomHex(8)}, "nonce": {"nonce-" + randomHex(16)}, "acr_values": {w.fc.sp.acr},
	}
}

// authorize sends the browser to FranceConnect with params and follows it
// to the login page or back to the service.
func (w *world) authorize(params url.Values) error {
	w.fc.params = params
	w.http.callback, w.http.code = nil, ""
	e, err := w.http.browser.open(w.fcURL(w.fc.sp.prefix()+"/authorize") + "?" + params.Encode())
	if err != nil {
		return err
	}
	w.http.land(e)
	return nil
}

// password returns a persona's password as the fixtures know it.
func (w *world) password(login string) string {
	if p, ok := w.env.fixtures.Persona(login); ok && p.Password != "" {
		return p.Password
	}
	return "123"
}

// loginAs fills the login form of the current page, as a person would.
func (w *world) loginAs(login, password string) error {
	login = w.expand(login)
	if w.http.callback != nil {
		return nil // FranceConnect's session already logged the person in
	}
	f, ok := loginForm(w.http.last.body)
	if !ok {
		return fmt.Errorf("aucun formulaire de connexion sur la page : %s", w.http.last.describe())
	}
	start := time.Now()
	e, err := w.http.browser.submit(w.http.last, f, map[string]string{"login": login, "password": password})
	if err != nil {
		return err
	}
	w.http.elapsed = time.Since(start)
	w.http.land(e)
	return nil
}

// connect runs a whole login and checks a code came back.
func (w *world) connect(login string, params url.Values) error {
	login = w.expand(login)
	if err := w.authorize(params); err != nil {
		return err
	}
	if err := w.loginAs(login, w.password(login)); err != nil {
		return err
	}
	if w.http.code == "" {
		return fmt.Errorf("aucun code n'est revenu au service : %s", w.http.last.describe())
	}
	return nil
}

// exchangeCode calls the token endpoint with form values on top of the
// defaults, and keeps the id_token of a success.
func (w *world) exchangeCode(sp *spClient, over map[string]string) error {
	form := url.Values{"grant_type": {"authorization_code"}, "code": {w.http.code}, "redirect_uri": {sp.redirect},
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
	e, err := w.http.backend.postForm(w.fcURL(sp.prefix()+"/token"), form)
	if err != nil {
		return err
	}
	w.http.last = e
	w.fc.token = nil
	if e.status == http.StatusOK {
		if err := json.Unmarshal(e.body, &w.fc.token); err != nil {
			return fmt.Errorf("la réponse du jeton n'est pas du JSON : %w", err)
		}
		if s, ok := w.fc.token["id_token"].(string); ok {
			w.fc.idToken = s
			if err := w.decodeIDToken(); err != nil {
				return err
			}
		}
	}
	return nil
}

// decodeIDToken decrypts (JWE) when needed and decodes header and claims.
func (w *world) decodeIDToken() error {
	jws, err := w.decryptIfJWE(w.fc.idToken)
	if err != nil {
		return err
	}
	w.fc.idJWS = jws
	w.fc.idHeader, w.fc.idClaims, err = decodeJWS(jws)
	return err
}

// decryptIfJWE decrypts a compact JWE with the fixtures' key of its kid; a
// JWS is returned as is.
func (w *world) decryptIfJWE(compact string) (string, error) {
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
		return "", fmt.Errorf("JWE pour le kid %q : aucune clé de ce nom dans les fixtures", jwe.Header.KeyID)
	}
	plain, err := jwe.Decrypt(k.Signer)
	if err != nil {
		return "", fmt.Errorf("JWE: %w", err)
	}
	return string(plain), nil
}

// decodeJWS decodes the header and payload of a compact JWS, without
// verifying it.
func decodeJWS(compact string) (map[string]any, map[string]any, error) {
	parts := strings.Split(compact, ".")
	if len(parts) != 3 {
		return nil, nil, fmt.Errorf("pas un JWS compact : %d parties", len(parts))
	}
	var h, c map[string]any
	for i, dst := range []*map[string]any{&h, &c} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			return nil, nil, fmt.Errorf("partie %d du JWS : %w", i, err)
		}
		if err := json.Unmarshal(b, dst); err != nil {
			return nil, nil, fmt.Errorf("partie %d du JWS : %w", i, err)
		}
	}
	return h, c, nil
}

// verifyJWS checks a compact JWS with alg against the JWKS (or the client
// secret for HS256) and returns the kid that verified it.
func (w *world) verifyJWS(compact, alg string) (string, error) {
	if alg == "HS256" {
		jws, err := jose.ParseSigned(compact, []jose.SignatureAlgorithm{jose.HS256})
		if err != nil {
			return "", fmt.Errorf("pas un JWS signé %s : %w", alg, err)
		}
		_, err = jws.Verify([]byte(w.fc.sp.secret))
		return "", err
	}
	_, h, err := w.verifyWithJWKS(compact, jose.SignatureAlgorithm(alg), w.fcURL(w.fc.sp.prefix()+"/jwks"), "FranceConnect")
	return h.KeyID, err
}

// fetchJWKS reads the current provider's JWKS.
func (w *world) fetchJWKS() (*jose.JSONWebKeySet, error) {
	e, err := w.http.backend.get(w.fcURL(w.fc.sp.prefix() + "/jwks"))
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
func (w *world) callUserinfo(token string, asParam bool) error {
	target := w.fcURL(w.fc.sp.prefix() + "/userinfo")
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
	e, err := w.http.backend.do(req)
	if err != nil {
		return err
	}
	w.http.last = e
	w.fc.userinfo, w.fc.uiHeader = nil, nil
	if e.status == http.StatusOK {
		w.fc.uiRaw = string(e.body)
		jws, err := w.decryptIfJWE(w.fc.uiRaw)
		if err != nil {
			return err
		}
		w.fc.uiHeader, w.fc.userinfo, err = decodeJWS(jws)
		return err
	}
	return nil
}

// accessToken is the access token the token endpoint gave ("" if none).
func (f *fcState) accessToken() string {
	s, _ := f.token["access_token"].(string)
	return s
}

// pkcePair returns a verifier and its S256 challenge.
func pkcePair() (string, string) {
	v := randomHex(32)
	sum := sha256.Sum256([]byte(v))
	return v, base64.RawURLEncoding.EncodeToString(sum[:])
}

// clientAssertion signs a private_key_jwt assertion for the token endpoint.
func (w *world) clientAssertion() (string, error) {
	k := w.fc.sp.authKey
	if k == nil {
		return "", errors.New("ce fournisseur de service n'a pas de clé d'authentification")
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: k.Signer, KeyID: k.KID}}, nil)
	if err != nil {
		return "", err
	}
	now := time.Now()
	claims, _ := json.Marshal(map[string]any{"iss": w.fc.sp.id, "sub": w.fc.sp.id, "aud": w.fcURL(w.fc.sp.prefix() + "/token"),
		"jti": randomHex(16), "iat": now.Unix(), "exp": now.Add(time.Minute).Unix()})
	sig, err := signer.Sign(claims)
	if err != nil {
		return "", err
	}
	return sig.CompactSerialize()
}

// getFranceConnect sends the backend to a FranceConnect path and keeps the
// answer.
func (w *world) getFranceConnect(path string) error {
	e, err := w.http.backend.get(w.fcURL(path))
	if err != nil {
		return err
	}
	w.http.last = e
	return nil
}

// checkLoginPage checks that the browser is on FranceConnect's login page
// (not back at the service), saying msg when msg is not "".
func (w *world) checkLoginPage(msg string) error {
	if _, ok := loginForm(w.http.last.body); !ok || w.http.callback != nil {
		return fmt.Errorf("aucune page de connexion (revenu au service : %v) : %s", w.http.callback != nil, w.http.last.describe())
	}
	if msg != "" && !strings.Contains(string(w.http.last.body), msg) {
		return fmt.Errorf("la page de connexion ne dit pas %q", msg)
	}
	return nil
}

// jweHeader is the protected header of a compact JWE, which the service
// provider reads before it decrypts.
func jweHeader(compact string) (map[string]any, error) {
	jwe, err := jose.ParseEncrypted(compact, []jose.KeyAlgorithm{jose.ECDH_ES, jose.RSA_OAEP, jose.RSA_OAEP_256},
		[]jose.ContentEncryption{jose.A256GCM})
	if err != nil {
		return nil, fmt.Errorf("pas un JWE : %w", err)
	}
	_ = jwe
	seg := strings.SplitN(compact, ".", 2)[0]
	h, _, err := decodeJWS(seg + "." + "e30" + ".x")
	return h, err
}
