package franceconnect

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
)

// demoClient is the built-in relying party of the /demo page: a real
// go-oidc + x/oauth2 integration, configured as FranceConnect requires (no
// PKCE, client_secret_post), that shows what a service receives.
type demoClient struct {
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
	keys     *oidc.RemoteKeySet
	userinfo string
	http     *http.Client
}

const demoCookie = "fc_demo"

func (m *Mock) newDemo() error {
	redirect := m.public + "/demo/callback"
	c := fixtures.Client{
		ClientID: demoClientID, ClientSecret: "sandbox-demo-secret", Name: "Démonstration du bac à sable",
		Profile: "low", RedirectURIs: fixtures.RedirectURIs{redirect},
		Scopes:           []string{"openid", "identite_pivot", "email", "preferred_username", "idp_birthdate", "amr"},
		Claims:           []string{"amr"},
		IDTokenSignedAlg: "ES256", UserinfoSignedAlg: "ES256", TokenEndpointAuthMethod: "client_secret_post",
	}
	e, err := m.newClientEntry(c)
	if err != nil {
		return err
	}
	m.fixtureClients[demoClientID] = e
	internal := m.cfg.InternalURL + LowPrefix
	hc := &http.Client{Timeout: 10 * time.Second}
	ctx := oidc.ClientContext(context.Background(), hc)
	keys := oidc.NewRemoteKeySet(ctx, internal+"/jwks")
	m.demo = &demoClient{
		oauth: oauth2.Config{
			ClientID: c.ClientID, ClientSecret: c.ClientSecret, RedirectURL: redirect,
			Endpoint: oauth2.Endpoint{AuthURL: m.low.issuer + "/authorize", TokenURL: internal + "/token", AuthStyle: oauth2.AuthStyleInParams},
			Scopes:   c.Scopes,
		},
		verifier: oidc.NewVerifier(m.low.issuer, keys, &oidc.Config{ClientID: c.ClientID, SupportedSigningAlgs: []string{"ES256"}, Now: m.now}),
		keys:     keys,
		userinfo: internal + "/userinfo",
		http:     hc,
	}
	return nil
}

func (m *Mock) demoStart(w http.ResponseWriter, r *http.Request) {
	state, nonce := randomID(), randomID()+randomID()
	http.SetCookie(w, &http.Cookie{Name: demoCookie, Value: state + "." + nonce, Path: "/demo", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	u := m.demo.oauth.AuthCodeURL(state, oauth2.SetAuthURLParam("nonce", nonce), oauth2.SetAuthURLParam("acr_values", "eidas1"),
		oauth2.SetAuthURLParam("claims", `{"id_token":{"amr":{"essential":true}}}`))
	http.Redirect(w, r, u, http.StatusSeeOther)
}

type demoPage struct {
	Error                  string
	IDTokenHeader, IDToken string
	UserinfoHeader         string
	Userinfo               string
	AccessToken            string
}

func (m *Mock) demoCallback(w http.ResponseWriter, r *http.Request) {
	page := demoPage{}
	defer func() { m.render(w, http.StatusOK, "demo.html", page) }()
	q := r.URL.Query()
	ck, err := r.Cookie(demoCookie)
	state, nonce, _ := strings.Cut(func() string {
		if err != nil {
			return ""
		}
		return ck.Value
	}(), ".")
	switch {
	case q.Get("error") != "":
		page.Error = fmt.Sprintf("FranceConnect a renvoyé l'erreur %s : %s", q.Get("error"), q.Get("error_description"))
		return
	case state == "" || q.Get("state") != state:
		page.Error = "Le paramètre state ne correspond pas : recommencez depuis la page d'accueil."
		return
	}
	ctx := oidc.ClientContext(r.Context(), m.demo.http)
	tok, err := m.demo.oauth.Exchange(ctx, q.Get("code"))
	if err != nil {
		page.Error = "Échange du code refusé : " + err.Error()
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := m.demo.verifier.Verify(ctx, raw)
	if err != nil {
		page.Error = "id_token invalide : " + err.Error()
		return
	}
	if idt.Nonce != nonce {
		page.Error = "Le nonce de l'id_token ne correspond pas."
		return
	}
	page.IDTokenHeader, page.IDToken = decodeJWT(raw)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, m.demo.userinfo, nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err := m.demo.http.Do(req)
	if err != nil {
		page.Error = "Appel userinfo impossible : " + err.Error()
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		page.Error = fmt.Sprintf("userinfo a répondu %d : %s", resp.StatusCode, body)
		return
	}
	if _, err := m.demo.keys.VerifySignature(ctx, string(body)); err != nil {
		page.Error = "Signature du userinfo invalide : " + err.Error()
		return
	}
	page.UserinfoHeader, page.Userinfo = decodeJWT(string(body))
	page.AccessToken = tok.AccessToken[:8] + "…"
}

// decodeJWT pretty-prints the header and payload of a compact JWS.
func decodeJWT(raw string) (string, string) {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return "", ""
	}
	pretty := func(seg string) string {
		b, err := base64.RawURLEncoding.DecodeString(seg)
		if err != nil {
			return ""
		}
		var out bytes.Buffer
		if json.Indent(&out, b, "", "  ") != nil {
			return string(b)
		}
		return out.String()
	}
	return pretty(parts[0]), pretty(parts[1])
}
