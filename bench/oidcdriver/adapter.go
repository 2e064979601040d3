package main

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// An adapter knows one provider's login page: which form a person fills in
// and how. Everything else in a flow is plain OpenID Connect.
type adapter struct {
	// scopes are the scopes the relying party asks for.
	scopes []string
	// authParams are extra authorization parameters the provider requires.
	authParams url.Values
	// login and password are the test account's, unless given by flags.
	login, password string
	// submit picks the form to send on the login page and returns its data.
	// A nil submit means the provider shows no login page.
	submit func(forms []form, login, password string) (form, url.Values, error)
}

// adapters are the providers this driver can log in to. Keep each small and
// explicit: a form's field names are the provider's, not guesses.
var adapters = map[string]func(issuer *url.URL) adapter{
	// This project's FranceConnect mock: its login page lists the test
	// personas, each a form of hidden login and password fields with a
	// button named persona; a person clicks one (docs/franceconnect.md,
	// « Page de connexion et identités »). FranceConnect requires acr_values
	// and refuses PKCE; go-oidc and x/oauth2 add none unless asked.
	"franceconnect": func(*url.URL) adapter {
		return adapter{
			scopes:     []string{"openid", "identite_pivot", "email"},
			authParams: url.Values{"acr_values": {"eidas1"}},
			login:      "angela",
			submit: func(forms []form, login, _ string) (form, url.Values, error) {
				for _, f := range forms {
					if f.field("login") == login && slices.Contains(f.buttons, button{"persona", login}) {
						return f, f.click("persona", login), nil
					}
				}
				return form{}, nil, fmt.Errorf("login page: no persona %q", login)
			},
		}
	},
	// zitadel/oidc's example OP (example/server/exampleop): one form with a
	// hidden id (the auth request) and username and password fields. Its
	// users are test-user@HOST (HOST the issuer's) and test-user2, both with
	// the password verysecure.
	"zitadel": func(issuer *url.URL) adapter {
		return adapter{
			scopes:   []string{"openid", "profile", "email"},
			login:    "test-user@" + issuer.Hostname(),
			password: "verysecure",
			submit: func(forms []form, login, password string) (form, url.Values, error) {
				for _, f := range forms {
					if _, ok := f.fields["username"]; ok && f.field("id") != "" {
						data := f.click("", "")
						data.Set("username", login)
						data.Set("password", password)
						return f, data, nil
					}
				}
				return form{}, nil, fmt.Errorf("login page: no form with username and id")
			},
		}
	},
	// A provider without a login page, such as oauth2-mock-server: its
	// authorization endpoint redirects to the callback at once.
	"none": func(*url.URL) adapter {
		return adapter{scopes: []string{"openid", "profile", "email"}}
	},
}

func adapterNames() string {
	names := make([]string, 0, len(adapters))
	for n := range adapters {
		names = append(names, n)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}
