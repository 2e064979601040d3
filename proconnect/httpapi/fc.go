package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
)

// fcClient is the core's FranceConnect integration, configured as
// FranceConnect requires: authorization code, client_secret_post, nonce,
// acr_values eidas1, and no PKCE (FranceConnect refuses it: Y030007).
type fcClient struct {
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
	keys     *oidc.RemoteKeySet
	userinfo string
	http     *http.Client
}

func newFCClient(cfg Config) (*fcClient, error) {
	if cfg.FCPublicURL == "" || cfg.FCClientID == "" {
		return nil, errors.New("proconnect: FranceConnect's URL and the core's client are required")
	}
	issuer := cfg.FCPublicURL + "/api/v2"
	internal := cfg.FCInternalURL + "/api/v2"
	ctx := oidc.ClientContext(context.Background(), cfg.HTTPClient)
	keys := oidc.NewRemoteKeySet(ctx, internal+"/jwks")
	return &fcClient{
		oauth: oauth2.Config{
			ClientID: cfg.FCClientID, ClientSecret: cfg.FCClientSecret, RedirectURL: cfg.PublicURL + "/oidc/callback",
			Endpoint: oauth2.Endpoint{AuthURL: issuer + "/authorize", TokenURL: internal + "/token", AuthStyle: oauth2.AuthStyleInParams},
			Scopes:   []string{"openid", "identite_pivot"},
		},
		verifier: oidc.NewVerifier(issuer, keys, &oidc.Config{ClientID: cfg.FCClientID, SupportedSigningAlgs: []string{"ES256"}}),
		keys:     keys, userinfo: internal + "/userinfo", http: cfg.HTTPClient,
	}, nil
}

// authURL is where the browser goes to log in at FranceConnect; amr is asked
// for so that an eIDAS identity shows.
func (f *fcClient) authURL(flow *proconnect.LoginState) string {
	return f.oauth.AuthCodeURL(flow.State, oauth2.SetAuthURLParam("nonce", flow.Nonce),
		oauth2.SetAuthURLParam("acr_values", "eidas1"), oauth2.SetAuthURLParam("claims", `{"id_token":{"amr":{"essential":true}}}`))
}

// identity exchanges the code, verifies the id_token (signature, issuer,
// audience, expiry, nonce) and the signed userinfo, and returns the pivot.
func (f *fcClient) identity(ctx context.Context, code, nonce string) (proconnect.Identity, error) {
	ctx = oidc.ClientContext(ctx, f.http)
	tok, err := f.oauth.Exchange(ctx, code)
	if err != nil {
		return proconnect.Identity{}, fmt.Errorf("token exchange: %w", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := f.verifier.Verify(ctx, raw)
	if err != nil {
		return proconnect.Identity{}, fmt.Errorf("id_token: %w", err)
	}
	if idt.Nonce != nonce {
		return proconnect.Identity{}, errors.New("id_token: nonce mismatch")
	}
	var amr struct {
		AMR []string `json:"amr"`
	}
	_ = idt.Claims(&amr)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, f.userinfo, nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err := f.http.Do(req)
	if err != nil {
		return proconnect.Identity{}, fmt.Errorf("userinfo: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return proconnect.Identity{}, fmt.Errorf("userinfo: status %d", resp.StatusCode)
	}
	payload, err := f.keys.VerifySignature(ctx, strings.TrimSpace(string(body)))
	if err != nil {
		return proconnect.Identity{}, fmt.Errorf("userinfo signature: %w", err)
	}
	var u struct {
		Sub            string   `json:"sub"`
		GivenName      string   `json:"given_name"`
		GivenNameArray []string `json:"given_name_array"`
		FamilyName     string   `json:"family_name"`
		Birthdate      string   `json:"birthdate"`
		Gender         string   `json:"gender"`
		Birthplace     string   `json:"birthplace"`
		Birthcountry   string   `json:"birthcountry"`
	}
	if err := json.Unmarshal(payload, &u); err != nil || u.Sub != idt.Subject {
		return proconnect.Identity{}, errors.New("userinfo: unreadable, or not the id_token's subject")
	}
	given := u.GivenNameArray
	if len(given) == 0 && u.GivenName != "" {
		given = strings.Fields(u.GivenName)
	}
	return proconnect.Identity{GivenNames: given, FamilyName: u.FamilyName, Birthdate: u.Birthdate, Gender: u.Gender,
		Birthplace: u.Birthplace, Birthcountry: u.Birthcountry, EIDAS: slices.Contains(amr.AMR, "eidas"), Sub: u.Sub}, nil
}
