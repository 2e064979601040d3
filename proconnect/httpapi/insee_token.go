package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"

	"golang.org/x/oauth2"

	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
)

// inseeTokenPath is where INSEE's authorisation server (a Keycloak realm)
// gives tokens: the tokenUrl of the Sirene 3.11 OpenAPI description.
const inseeTokenPath = "/auth/realms/apim-gravitee/protocol/openid-connect/token"

// inseeAuth gives the bearer token of INSEE's private Sirene API, got by a
// resource-owner password grant (RFC 6749 §4.3) with the client's
// credentials in the form. The token is cached and fetched again shortly
// before it expires (oauth2.ReuseTokenSource); a token the API refuses is
// dropped with invalidate. Reading the cache takes no lock; only a fetch
// holds the source's mutex, so concurrent lookups share one grant.
type inseeAuth struct {
	grant passwordGrant
	cur   atomic.Pointer[cachedToken]
}

// cachedToken is one generation of the cache: invalidate replaces it.
type cachedToken struct{ src oauth2.TokenSource }

// passwordGrant is an oauth2.TokenSource that makes a new password grant on
// each call (INSEE hands out no refresh token worth using).
type passwordGrant struct {
	cfg            oauth2.Config
	user, password string
	client         *http.Client
}

// Token implements oauth2.TokenSource. The request is bounded by the HTTP
// client's timeout (a TokenSource takes no context).
func (g passwordGrant) Token() (*oauth2.Token, error) {
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, g.client)
	return g.cfg.PasswordCredentialsToken(ctx, g.user, g.password)
}

func newINSEEAuth(tokenURL, clientID, clientSecret, user, password string, client *http.Client) *inseeAuth {
	a := &inseeAuth{grant: passwordGrant{
		cfg: oauth2.Config{ClientID: clientID, ClientSecret: clientSecret,
			Endpoint: oauth2.Endpoint{TokenURL: tokenURL, AuthStyle: oauth2.AuthStyleInParams}},
		user: user, password: password, client: client,
	}}
	a.cur.Store(&cachedToken{src: oauth2.ReuseTokenSource(nil, a.grant)})
	return a
}

// token returns the current access token and the cache generation it came
// from (to hand back to invalidate). Errors wrap proconnect.ErrUnavailable.
func (a *inseeAuth) token() (string, *cachedToken, error) {
	gen := a.cur.Load()
	tok, err := gen.src.Token()
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			return "", gen, fmt.Errorf("%w: INSEE token endpoint answered %d %s", proconnect.ErrUnavailable, re.Response.StatusCode, re.ErrorCode)
		}
		return "", gen, fmt.Errorf("%w: INSEE token: %v", proconnect.ErrUnavailable, err)
	}
	return tok.AccessToken, gen, nil
}

// invalidate drops the token of generation gen, which the API refused; the
// next call makes a new grant. A generation already replaced (another
// request saw the 401 first) is left alone.
func (a *inseeAuth) invalidate(gen *cachedToken) {
	a.cur.CompareAndSwap(gen, &cachedToken{src: oauth2.ReuseTokenSource(nil, a.grant)})
}
