package harness

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cucumber/godog"
)

// The portail suite: the harness plays the person in the browser and
// ProConnect's events, and observes the portal under test through the URLs
// of its declaration (docs/contrat-portail.md).

// portalState is the portail suite's part of a scenario: the
// certification the person started at the portal under test, and what the
// suite sent and changed.
type portalState struct {
	certID     string              // the certification the person started
	certSIREN  string              // its SIREN
	accountRef string              // the existing account certified (certification_url)
	sent       map[string]string   // name → raw event sent (a replay sends it again)
	forged     map[string]*forgery // name → the event as forged (a retry signs it again)
	otherCert  string              // a second person's certification at the portal
	jti        string              // a jti the next event takes
	sending    time.Duration       // how long the last batch of events took to send
	extraData  bool                // events carry a data field nobody knows yet
	returnURL  *url.URL            // the portal's return, caught before the browser opened it
	marks      map[string]uint64   // component → journal seq when counting began
	clockMoved time.Duration       // how far the portal's clock is moved (portal_time.go)
}

// registerPortail binds the portail suite's steps to w: the person's way
// through the portal, the portal's view of the account, its calls to PISTE
// and ProConnect, and collaborators' access requests. The events the suite
// sends the portal are in steps_portail_events.go.
func registerPortail(reg *stepRegistry, w *world) {
	// The person's way through the portal.
	reg.step(`^la personne ouvre la page de démarrage du portail pour le SIREN "([^"]*)"$`, w.openStartPage)
	reg.step(`^la personne a lancé une certification sur le portail pour le SIREN "([^"]*)"$`, w.startCertificationAtPortal)
	reg.step(`^une deuxième personne ouvre la page de démarrage du portail pour le SIREN "([^"]*)"$`, w.secondPersonOpensStartPage)
	reg.step(`^une deuxième personne a lancé une certification sur le portail pour le SIREN "([^"]*)"$`, w.secondPersonStartsCertification)
	reg.step(`^la personne ouvre la page de certification du compte existant pour le SIREN "([^"]*)"$`, w.openExistingAccountCertification)
	reg.step(`^elle se connecte à FranceConnect avec la persona "([^"]*)"$`, w.logInAtFranceConnect)
	reg.step(`^elle se connecte à FranceConnect avec la persona "([^"]*)", sans revenir au portail$`, w.logInWithoutReturning)
	reg.step(`^elle abandonne à FranceConnect$`, w.giveUpAtFranceConnect)
	reg.step(`^elle arrive sur la page de retour du portail$`, w.checkOnReturnPage)
	reg.step(`^elle arrive sur la page de connexion de FranceConnect$`, w.checkOnFranceConnectLogin)
	reg.step(`^(un autre navigateur|la personne) ouvre l'adresse de retour du portail (telle quelle|sans son state|avec un autre state)$`, w.openReturnURL)
	reg.step(`^le portail refuse ce retour$`, w.http.checkReturnRefused)
	reg.step(`^la page de retour propose le parcours alternatif du portail$`, w.http.checkAlternativeOffered)

	// The portal's view of the account.
	reg.step(`^le compte du portail passe à l'état "([^"]*)"$`, w.waitAccountState)
	reg.step(`^le compte du portail est à l'état "([^"]*)"$`, w.checkAccountState)
	reg.step(`^le compte du portail reste à l'état "([^"]*)"$`, w.checkAccountStays)
	reg.step(`^le compte de la deuxième personne est à l'état "([^"]*)"$`, w.checkSecondAccountState)
	reg.step(`^le portail a appliqué (\d+) événements? pour cette certification$`, w.checkEventsApplied)

	// PSP-PAR-5: an existing account.
	reg.step(`^la certification lue chez ProConnect porte la référence du compte et l'objet "([^"]*)"$`, w.checkCertificationAccountRef)
	reg.step(`^l'événement "([^"]*)" livré au portail porte la référence du compte$`, w.checkDeliveredAccountRef)

	// PSP-VER-2: the portal's own re-check.
	reg.step(`^le portail revérifie la certification(, sans événement de ProConnect pendant ce temps)?$`, w.recheckAtPortal)

	// PSP-API-2: the PISTE token, kept, and renewed when ProConnect refuses it.
	reg.step(`^ProConnect refusera le prochain appel du portail pour jeton invalide$`, w.refuseNextPortalCall)
	reg.step(`^le portail a demandé un nouveau jeton à PISTE pendant le scénario$`, w.checkPortalRenewedToken)
	reg.step(`^le bac à sable compte les appels du portail$`, w.startCountingPortalCalls)
	reg.step(`^le portail a demandé au plus (\d+) jetons? à PISTE pendant le scénario$`, w.checkPortalTokenCount)

	// Collaborators' access requests through the portal (PSP-ACC).
	reg.step(`^un collaborateur "([^"]*)" "([^"]*)" <([^>]*)> demande l'accès au portail pour une entreprise sans courriel de contact$`, w.askAccessAtPortal)
	reg.step(`^le portail refuse la demande sans l'inventer$`, w.http.checkAccessRefusedWithoutID)
	reg.step(`^un collaborateur "([^"]*)" "([^"]*)" <([^>]*)> demande l'accès au portail pour l'entreprise$`, w.fileAccessAtPortal)
	reg.step(`^la demande d'accès du portail (est|passe) à l'état "([^"]*)"$`, w.checkPortalAccessState)
}

// The person's way through the portal.

func (w *world) openStartPage(siren string) error { return w.portalErr(w.openStart(siren)) }

// startCertificationAtPortal opens the start page, and fails unless the
// portal sent the browser to ProConnect (a step of a scenario's context).
func (w *world) startCertificationAtPortal(siren string) error {
	if err := w.openStart(siren); err != nil {
		return w.portalErr(err)
	}
	if w.portal.certID == "" {
		return w.portalErr(fmt.Errorf("la page de démarrage du portail n'a pas envoyé le navigateur vers ProConnect : %s", w.http.last.describe()))
	}
	return nil
}

// secondPersonOpensStartPage opens the start page in another browser,
// which must reach FranceConnect (or a page) on its own.
func (w *world) secondPersonOpensStartPage(siren string) error {
	d := w.declaration()
	if d.StartURL == "" {
		return w.notDeclared("start_url")
	}
	other := w.newBrowser()
	e, err := other.open(fill(d.StartURL, map[string]string{"siren": w.expand(siren)}))
	if err != nil {
		return err
	}
	if !strings.HasPrefix(e.url.String(), w.env.fcURL) && e.status != http.StatusOK {
		return w.portalErr(fmt.Errorf("la deuxième personne n'est pas arrivée à FranceConnect : %s", e.describe()))
	}
	return nil
}

// secondPersonStartsCertification starts a certification in another
// browser, and keeps its ID.
func (w *world) secondPersonStartsCertification(siren string) error {
	d := w.declaration()
	if d.StartURL == "" {
		return w.notDeclared("start_url")
	}
	other := w.newBrowser()
	if _, err := other.open(fill(d.StartURL, map[string]string{"siren": w.expand(siren)})); err != nil {
		return err
	}
	keep := w.http.browser
	w.http.browser = other
	w.portal.otherCert = w.certificationInChain()
	w.http.browser = keep
	if w.portal.otherCert == "" {
		return w.portalErr(errors.New("le démarrage de la deuxième personne n'est pas passé par ProConnect"))
	}
	return nil
}

// openExistingAccountCertification opens certification_url for an account
// of the suite's own (PSP-PAR-5).
func (w *world) openExistingAccountCertification(siren string) error {
	d := w.declaration()
	if d.CertificationURL == "" {
		return w.notDeclared("certification_url")
	}
	w.portal.accountRef, w.portal.certSIREN = "compte-suite-"+randomHex(5), w.expand(siren)
	return w.portalErr(w.openPortal(fill(d.CertificationURL, map[string]string{"account_ref": w.portal.accountRef, "siren": w.portal.certSIREN})))
}

// logInAtFranceConnect logs the persona in, and reads the certification's
// ID on the way back to the portal.
func (w *world) logInAtFranceConnect(login string) error {
	if err := w.loginAs(login, w.password(w.expand(login))); err != nil {
		return w.portalErr(err)
	}
	if id := w.lastCertificationID(); id != "" {
		w.portal.certID = id
	}
	return nil
}

// logInWithoutReturning logs the persona in, and catches ProConnect's
// redirection to the portal instead of following it (PSP-PAR-2).
func (w *world) logInWithoutReturning(login string) error {
	portal := baseOf(w.declaration().StartURL)
	w.http.browser.stop = func(u *url.URL) bool { return baseOf(u.String()) == portal }
	defer func() { w.http.browser.stop = nil }()
	if err := w.loginAs(login, w.password(w.expand(login))); err != nil {
		return err
	}
	if !w.http.last.isRedirect() || w.http.last.location().Query().Get("certification_id") == "" {
		return fmt.Errorf("ProConnect n'a pas renvoyé le navigateur au portail : %s", w.http.last.describe())
	}
	w.portal.returnURL = w.http.last.location()
	w.portal.certID = w.portal.returnURL.Query().Get("certification_id")
	return nil
}

func (w *world) giveUpAtFranceConnect() error {
	if err := w.http.click("Revenir sur le service"); err != nil {
		return w.portalErr(err)
	}
	if id := w.lastCertificationID(); id != "" {
		w.portal.certID = id
	}
	return nil
}

func (w *world) checkOnReturnPage() error {
	if w.http.last.status != http.StatusOK || w.lastCertificationID() == "" {
		return w.portalErr(fmt.Errorf("le navigateur n'est pas revenu par la page de retour du portail (redirect_uri?certification_id=…) sur une page qui répond 200 : %s", w.http.last.describe()))
	}
	return nil
}

func (w *world) checkOnFranceConnectLogin() error {
	if _, ok := loginForm(w.http.last.body); !ok {
		return w.portalErr(fmt.Errorf("le navigateur n'est pas sur la page de connexion de FranceConnect : %s", w.http.last.describe()))
	}
	return nil
}

// openReturnURL opens the return caught by logInWithoutReturning, in this
// browser or another, as is or with its state changed (PSP-PAR-2: a return
// that does not come from the browser that started the certification).
func (w *world) openReturnURL(who, how string) error {
	if w.portal.returnURL == nil {
		return errors.New("aucun retour au portail n'a été intercepté")
	}
	b := w.http.browser
	if who == "un autre navigateur" {
		b = w.newBrowser()
	}
	u := *w.portal.returnURL
	q := u.Query()
	switch how {
	case "sans son state":
		q.Del("state")
	case "avec un autre state":
		q.Set("state", "etat-"+randomHex(8))
	}
	u.RawQuery = q.Encode()
	e, err := b.open(u.String())
	if err != nil {
		return err
	}
	w.http.last = e
	return nil
}

func (h *httpState) checkReturnRefused() error {
	if h.last.status < 400 || h.last.status >= 500 {
		return fmt.Errorf("le portail a accepté un retour que ce navigateur n'a pas lancé (falsification de requête intersite) : réponse 4xx attendue ; reçu : %s", h.last.describe())
	}
	return nil
}

func (h *httpState) checkAlternativeOffered() error {
	if !offersAlternative(h.last.body) {
		return fmt.Errorf("la page ne propose pas de parcours alternatif (un lien ou un formulaire marqué id=\"alternative\" ou data-proconnect=\"parcours-alternatif\", ou dont le texte ou l'adresse dit « alternatif » ; docs/contrat-portail.md, PSP-PAR-4) : %s", h.last.describe())
	}
	return nil
}

// The portal's view of the account.

// accountStateWait bounds the wait for an event to change the account: a
// correct portal may refuse an event signed with a key it has not fetched
// yet until its JWKS re-read spacing passes (5 s for the reference portal,
// PSP-CLE-3), and ProConnect tries again after 1, 2, then 4 s (each up to
// 20 % later): the try near 7 s (8.4 s at most) comes after that spacing,
// and 15 s leaves it room on a loaded machine. A portal that applies the
// event at once ends the wait at once.
const accountStateWait = 15 * time.Second

func (w *world) waitAccountState(want string) error { return w.expectState(want, accountStateWait) }

func (w *world) checkAccountState(want string) error {
	got, err := w.accountState(w.portal.certID)
	if err != nil {
		return err
	}
	if got != want {
		return w.portalErr(fmt.Errorf("le portail dit que le compte est %q, attendu %q", got, want))
	}
	return nil
}

// checkAccountStays checks the account's state after leaving the portal a
// moment to change it.
func (w *world) checkAccountStays(want string) error {
	time.Sleep(100 * time.Millisecond)
	got, err := w.accountState(w.portal.certID)
	if err != nil {
		return err
	}
	if got != want {
		return fmt.Errorf("le portail dit que le compte est %q, attendu %q", got, want)
	}
	return nil
}

func (w *world) checkSecondAccountState(want string) error {
	got, err := w.accountState(w.portal.otherCert)
	if err != nil {
		return err
	}
	if got != want {
		return fmt.Errorf("le portail dit que le compte de la deuxième personne est %q, attendu %q : une révocation porte sur une certification, pas sur l'entreprise", got, want)
	}
	return nil
}

// checkEventsApplied counts the events the portal applied: applying a
// duplicate twice leaves the same state (events set states), so only a
// count (events_applied) shows it.
func (w *world) checkEventsApplied(want int) error {
	_, applied, err := w.portalStatus(w.portal.certID)
	if err != nil {
		return err
	}
	if applied == nil {
		w.env.notApplicable(w.name, "le status_url du portail ne donne pas events_applied : un doublon appliqué deux fois ne peut pas se voir")
		return godog.ErrSkip
	}
	if *applied != want {
		return fmt.Errorf("le portail a appliqué %d événements à cette certification, attendu %d : un doublon a été appliqué de nouveau", *applied, want)
	}
	return nil
}

// PSP-PAR-5: an existing account.

// checkCertificationAccountRef reads the certification at ProConnect with
// the portal's credentials: the portal started it for its account.
func (w *world) checkCertificationAccountRef(purpose string) error {
	c, err := w.readAsPortal("/certifications/" + url.PathEscape(w.portal.certID))
	if err != nil {
		return err
	}
	if c["account_ref"] != w.portal.accountRef || c["purpose"] != purpose {
		return fmt.Errorf("ProConnect a la certification avec account_ref %v et purpose %v, attendu %q et %q : le portail ne l'a pas lancée comme la certification de son compte existant",
			c["account_ref"], c["purpose"], w.portal.accountRef, purpose)
	}
	return nil
}

// checkDeliveredAccountRef waits for ProConnect to deliver the event to
// the portal, and checks its account_ref.
func (w *world) checkDeliveredAccountRef(typ string) error {
	return w.eventually(5*time.Second, 50*time.Millisecond, func() (bool, error) {
		list, err := w.deliveries(w.portal.certID)
		if err != nil {
			return true, err
		}
		for _, e := range list {
			if e.Type == typ && e.DeliveredAt != nil {
				if e.Data["account_ref"] != w.portal.accountRef {
					return true, fmt.Errorf("l'événement %s livré a account_ref %v, attendu %q", typ, e.Data["account_ref"], w.portal.accountRef)
				}
				return true, nil
			}
		}
		return false, fmt.Errorf("aucun événement %s livré au portail pour cette certification après 5 s", typ)
	})
}

// PSP-VER-2: the portal's own re-check.

// recheckAtPortal posts to the portal's recheck_url; with hold, ProConnect
// keeps its events to the portal meanwhile, so the portal must ask.
func (w *world) recheckAtPortal(hold string) error {
	d := w.declaration()
	if d.RecheckURL == "" {
		return w.notDeclared("recheck_url")
	}
	if hold != "" {
		if err := w.needExclusive("retient les livraisons de ProConnect au portail"); err != nil {
			return err
		}
		if _, err := w.controlAt(w.env.coreURL, http.MethodPost, "/deliveries/hold", map[string]string{"portal": d.ClientID}); err != nil {
			return err
		}
		w.shared.held = true
	}
	if err := w.call(http.MethodPost, fill(d.RecheckURL, map[string]string{"certification_id": w.portal.certID}), nil, nil); err != nil {
		return err
	}
	if w.http.last.status < 200 || w.http.last.status > 299 {
		return w.portalErr(fmt.Errorf("recheck_url : attendu 2xx une fois le compte à jour ; reçu : %s", w.http.last.describe()))
	}
	return nil
}

// PSP-API-2: the PISTE token.

// refuseNextPortalCall makes ProConnect answer the portal's next API call
// 401, as for an expired token.
func (w *world) refuseNextPortalCall() error {
	if err := w.needExclusive("fait refuser par ProConnect le prochain appel du portail"); err != nil {
		return err
	}
	body := `{"type":"https://proconnect-sandbox.example/problems/invalid-token","title":"Invalid access token","status":401,"detail":"The PISTE access token is expired."}`
	_, err := w.controlAt(w.env.coreURL, http.MethodPost, "/faults", map[string]any{"path": "/api/v1/", "client_id": w.declaration().ClientID,
		"status": 401, "count": 1, "body": body, "content_type": "application/problem+json"})
	return err
}

func (w *world) checkPortalRenewedToken() error {
	id := w.declaration().ClientID
	n, err := w.countSince(w.env.pisteURL, func(e Exchange) bool {
		return e.Path == "/api/oauth/token" && e.Client == id && e.Status == http.StatusOK
	})
	if err != nil {
		return err
	}
	if n == 0 {
		return errors.New("le portail n'a demandé aucun nouveau jeton à PISTE après le 401 de ProConnect : renouvelez le jeton sur un 401, puis refaites l'appel")
	}
	return nil
}

// startCountingPortalCalls marks PISTE's and ProConnect's journals: the
// checks that follow count the portal's calls since.
func (w *world) startCountingPortalCalls() error {
	if err := w.markJournal(w.env.pisteURL); err != nil {
		return err
	}
	return w.markJournal(w.env.coreURL)
}

func (w *world) checkPortalTokenCount(most int) error {
	id := w.declaration().ClientID
	n, err := w.countSince(w.env.pisteURL, func(e Exchange) bool { return e.Path == "/api/oauth/token" && e.Client == id })
	if err != nil {
		return err
	}
	if n > most {
		return fmt.Errorf("le portail a demandé %d jetons à PISTE, au plus %d attendus : un jeton vaut une heure, gardez-le", n, most)
	}
	return nil
}

// Collaborators' access requests through the portal (PSP-ACC).

// askAccessAtPortal posts a collaborator's request to the portal's
// access_request_url, and keeps whatever it answers.
func (w *world) askAccessAtPortal(given, family, mail string) error {
	d := w.declaration()
	if d.AccessRequestURL == "" {
		return w.notDeclared("access_request_url")
	}
	body, _ := json.Marshal(map[string]string{"siren": w.register.siren, "email": w.expand(mail), "given_name": given, "family_name": family})
	return w.call(http.MethodPost, d.AccessRequestURL, map[string]string{"Content-Type": "application/json"}, body)
}

func (h *httpState) checkAccessRefusedWithoutID() error {
	var out struct {
		AccessRequestID string `json:"access_request_id"`
	}
	_ = json.Unmarshal(h.last.body, &out)
	if h.last.status < 400 || h.last.status >= 500 || out.AccessRequestID != "" {
		return fmt.Errorf("access_request_url : attendu un refus 4xx sans access_request_id (ProConnect a refusé par 409 no-contact-email) ; reçu : %s", h.last.describe())
	}
	return nil
}

// fileAccessAtPortal asks the portal for access, and fails unless it gives
// the access request's ID (a step of a scenario's context).
func (w *world) fileAccessAtPortal(given, family, mail string) error {
	if err := w.askAccessAtPortal(given, family, mail); err != nil {
		return err
	}
	var out struct {
		AccessRequestID string `json:"access_request_id"`
	}
	if err := json.Unmarshal(w.http.last.body, &out); err != nil || out.AccessRequestID == "" || w.http.last.status > 299 {
		return w.portalErr(fmt.Errorf("access_request_url : attendu 2xx et {\"access_request_id\": …} ; reçu : %s", w.http.last.describe()))
	}
	w.mail.accessID = out.AccessRequestID
	return nil
}

// checkPortalAccessState reads the access request's state at the portal's
// access_status_url: now ("est"), or once it changes ("passe", 5 s at most).
func (w *world) checkPortalAccessState(how, want string) error {
	d := w.declaration()
	if d.AccessStatusURL == "" {
		return w.notDeclared("access_status_url")
	}
	return w.eventually(5*time.Second, 25*time.Millisecond, func() (bool, error) {
		e, err := w.http.backend.get(fill(d.AccessStatusURL, map[string]string{"access_request_id": w.mail.accessID}))
		if err != nil {
			return true, err
		}
		var out struct {
			AccessState string `json:"access_state"`
		}
		_ = json.Unmarshal(e.body, &out)
		if out.AccessState == want {
			return true, nil
		}
		// "est": the state now, no waiting
		return how == "est", fmt.Errorf("le portail dit que la demande d'accès est %q, attendu %q ; access_status_url a donné %s", out.AccessState, want, e.describe())
	})
}

// Helpers.

// openStart opens the portal's start page for a SIREN, as a person does.
// The browser goes through ProConnect: the certification's ID is read on
// the way, in ProConnect's login URL.
func (w *world) openStart(siren string) error {
	d := w.declaration()
	if d.StartURL == "" {
		return w.notDeclared("start_url")
	}
	w.portal.certSIREN = w.expand(siren)
	return w.openPortal(fill(d.StartURL, map[string]string{"siren": w.portal.certSIREN}))
}

// openPortal opens a page of the portal, and reads the certification's ID
// in the way the browser went.
func (w *world) openPortal(raw string) error {
	w.http.callback = nil
	e, err := w.http.browser.open(raw)
	if err != nil {
		return err
	}
	w.http.land(e)
	w.portal.certID = w.certificationInChain()
	return nil
}

// expectState waits until the portal shows the account in state want.
func (w *world) expectState(want string, wait time.Duration) error {
	return w.portalErr(w.eventually(wait, 25*time.Millisecond, func() (bool, error) {
		got, err := w.accountState(w.portal.certID)
		if err != nil || got == want {
			return true, err
		}
		return false, fmt.Errorf("le portail dit que le compte est %q après %s, attendu %q%s", got, wait, want, w.deliveriesSaid())
	}))
}

// deliveriesSaid sums up ProConnect's delivery attempts about what the
// scenario touched, for a failure message: whether the event was sent, and
// what the portal answered.
func (w *world) deliveriesSaid() string {
	list := w.collectDeliveries()
	if len(list) == 0 {
		if w.env.control && w.env.coreURL != "" {
			return " ; ProConnect n'a fait aucune tentative de livraison pour la certification du scénario"
		}
		return ""
	}
	var b strings.Builder
	b.WriteString(" ; tentatives de livraison de ProConnect :")
	for _, d := range list[max(0, len(list)-6):] {
		fmt.Fprintf(&b, " %s %s → %d", d.Time.Format("15:04:05.000"), d.EventType, d.Status)
		if d.Error != "" {
			b.WriteString(" (" + d.Error + ")")
		} else if d.Status >= 300 && d.Answer != "" {
			b.WriteString(" " + strings.TrimSpace(d.Answer))
		}
		b.WriteString(";")
	}
	return strings.TrimSuffix(b.String(), ";")
}
