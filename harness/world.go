package harness

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// world is the state of one scenario, whatever its suite: godog builds one
// per scenario (initScenario), so scenarios running at once share nothing
// but the suiteEnv. It is made of one part per domain; a step is a method
// on *world when it needs several parts, or on its part when it needs only
// that one.
type world struct {
	env   *suiteEnv
	name  string    // "ID — name", what the reports call the scenario
	suite string    // the scenario's suite (portail, proconnect…)
	began time.Time // when the scenario started
	// trace tags the scenario's requests (control.ScenarioHeader), so the
	// components' journals tell its exchanges apart; steps are what ran.
	trace string
	steps []StepResult

	http     httpState     // the browser, the backend, the last exchange (steps_http.go)
	fc       fcState       // FranceConnect service providers and tokens (steps_franceconnect.go)
	register registerState // the scenario's company at the register (steps_registre.go)
	piste    pisteState    // a portal registered at PISTE and its token (steps_piste.go)
	core     coreState     // the proconnect suite's own portal and its events (steps_proconnect.go)
	mail     mailState     // the mail read and the access request filed (steps_proconnect_mail.go)
	portal   portalState   // the portail suite: what the suite did to the portal under test (steps_portail.go)
	shared   sharedState   // what an @exclusif scenario changed for every scenario
}

// sharedState is what an @exclusif scenario changed that every scenario
// shares, and must put back when it ends (restoreShared).
type sharedState struct {
	exclusive          bool // the scenario runs alone (@exclusif)
	clockMoved         bool // ProConnect's clock moved
	registerClockMoved bool // the register's clock moved (steps_insee_token.go)
	smtpTouched        bool // the mail server was stopped
	held               bool // the portal's deliveries are held at the core
	rotated            bool // the core signs with its next key
}

// newWorld is the state of a new scenario: its own browser and backend
// drivers, tagged with a fresh trace.
func newWorld(env *suiteEnv, name string) *world {
	id := randomHex(6)
	w := &world{env: env, name: name, trace: id}
	w.http.browser = newDriver(env.transport, id, browserHome(env)...)
	w.http.backend = newDriver(env.transport, id, env.fcURL)
	// the report shows the suite's own exchanges with the portal under
	// test (it has no journal the suite could read)
	portal := portalBases(env)
	seen := func(e *exchange, reqBody []byte) {
		if portal[baseOf(e.url.String())] {
			w.noteExchange(e, reqBody)
		}
	}
	w.http.browser.seen, w.http.backend.seen = seen, seen
	site := siteNames(env, portal)
	w.http.browser.siteOf = func(u *url.URL) string {
		if s, ok := site[baseOf(u.String())]; ok {
			return s
		}
		return cookieSite(u)
	}
	return w
}

// browserHome lists the origins the browser follows redirections within:
// the components, FranceConnect's issuers, the portal under test.
func browserHome(env *suiteEnv) []string {
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
	return home
}

// portalBases are the origins of the portal under test, read from every
// URL of its declaration.
func portalBases(env *suiteEnv) map[string]bool {
	portal := map[string]bool{}
	for _, u := range append([]string{env.portal.StartURL, env.portal.EventsURL, env.portal.StatusURL, env.portal.AccessRequestURL,
		env.portal.CertificationURL, env.portal.RecheckURL, env.portal.AccessStatusURL}, env.portal.RedirectURIs...) {
		if b := baseOf(strings.NewReplacer("{", "", "}", "").Replace(u)); b != "" {
			portal[b] = true
		}
	}
	return portal
}

// siteNames names the site of each origin: ProConnect, FranceConnect (and
// its FC+ issuer), the register, PISTE, the mail catcher and the portal are
// different sites in production, though all are served on localhost.
func siteNames(env *suiteEnv, portal map[string]bool) map[string]string {
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
	return site
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// expand replaces {siren} by the scenario's own company.
func (w *world) expand(s string) string { return strings.ReplaceAll(s, "{siren}", w.register.siren) }

// needExclusive refuses a step that changes what every scenario shares in a
// scenario that does not run alone.
func (w *world) needExclusive(what string) error {
	if !w.shared.exclusive {
		return fmt.Errorf("cette étape %s, que partagent tous les scénarios en cours : étiquetez le scénario @exclusif", what)
	}
	return nil
}

// restoreShared undoes what an @exclusif scenario changed for everyone.
// A failure is the scenario's: the scenarios after it would run on a moved
// clock or a stopped mail server.
func (w *world) restoreShared() error {
	var errs []error
	if w.shared.clockMoved {
		if _, err := w.controlAt(w.env.coreURL, http.MethodDelete, "/clock", nil); err != nil {
			errs = append(errs, fmt.Errorf("remise de l'horloge de ProConnect : %w", err))
		}
	}
	if w.shared.registerClockMoved {
		if _, err := w.controlAt(w.env.sireneURL, http.MethodDelete, "/clock", nil); err != nil {
			errs = append(errs, fmt.Errorf("remise de l'horloge du registre : %w", err))
		}
	}
	if w.shared.held {
		if _, err := w.controlAt(w.env.coreURL, http.MethodDelete, "/deliveries/hold?portal="+url.QueryEscape(w.declaration().ClientID), nil); err != nil {
			errs = append(errs, fmt.Errorf("reprise des livraisons de ProConnect au portail : %w", err))
		}
	}
	if w.shared.rotated {
		if _, err := w.controlAt(w.env.coreURL, http.MethodDelete, "/keys/rotate", nil); err != nil {
			errs = append(errs, fmt.Errorf("remise de la première clé de ProConnect : %w", err))
		}
	}
	if w.shared.smtpTouched && w.env.mailboxURL != "" {
		if _, err := w.controlAt(w.env.mailboxURL, http.MethodPost, "/smtp-outage", map[string]int{"messages": 0}); err != nil {
			errs = append(errs, fmt.Errorf("remise en route du serveur de courriel : %w", err))
		}
	}
	w.shared = sharedState{} // the scenario's own state stays, for its report
	return errors.Join(errs...)
}
