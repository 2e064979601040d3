package harness

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cucumber/godog"
	"golang.org/x/net/html"

	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
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
}

func (w *world) declaration() portalDeclaration { return w.env.portal }

// notDeclared makes the scenario not applicable for want of a declared URL.
func (w *world) notDeclared(key string) error {
	w.env.notApplicable(w.name, "the portal declares no "+key)
	return godog.ErrSkip
}

// portalErr adds to a failing step what the sandbox saw of the portal's own
// calls (a refused PISTE token, a ProConnect problem): often the cause.
func (w *world) portalErr(err error) error {
	if err == nil || errors.Is(err, godog.ErrSkip) {
		return err
	}
	if why := w.portalDiagnosis(); why != "" {
		return fmt.Errorf("%w\n  what the sandbox saw of the portal's calls: %s", err, why)
	}
	return err
}

// portalDiagnosis reads PISTE's and ProConnect's journals for the portal's
// failed calls since the scenario began, and says which cookies the
// browser refused (as Chromium would).
func (w *world) portalDiagnosis() string {
	id := w.declaration().ClientID
	var out []string
	for _, r := range w.http.browser.refused {
		out = append(out, "the browser refused a cookie, as Chromium would: "+r)
	}
	for _, c := range []struct{ name, base string }{{"PISTE", w.env.pisteURL}, {"ProConnect", w.env.coreURL}} {
		if c.base == "" || w.env.noControl[baseOf(c.base)] || !w.env.control {
			continue
		}
		entries, err := w.journal(c.base, 0)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if e.Client != id || e.Status < 400 || e.Time.Before(w.began.Add(-time.Second)) {
				continue
			}
			// other scenarios run at the same time: a business refusal (a
			// 409, a 404) is theirs unless tagged with this scenario; a
			// refused token or registration (401, 403) hits every scenario
			if e.Scenario != w.trace && e.Status != http.StatusUnauthorized && e.Status != http.StatusForbidden {
				continue
			}
			line := fmt.Sprintf("%s answered the portal's %s %s with %d", c.name, e.Method, e.Path, e.Status)
			if e.Answer != "" {
				line += " " + e.Answer
			}
			if c.name == "PISTE" && e.Path == "/api/oauth/token" {
				line += " — the portal's token request failed: check its client_id and client_secret against the declaration, and that it was registered"
			}
			out = append(out, line)
			if len(out) == 3 {
				return strings.Join(out, "; ")
			}
		}
	}
	return strings.Join(out, "; ")
}

// journal reads a component's journal after seq since.
func (w *world) journal(base string, since uint64) ([]Exchange, error) {
	e, err := w.controlAt(base, http.MethodGet, fmt.Sprintf("/journal?since=%d", since), nil)
	if err != nil {
		return nil, err
	}
	var out struct{ Entries []Exchange }
	if err := json.Unmarshal(e.body, &out); err != nil {
		return nil, fmt.Errorf("journal of %s: %w", base, err)
	}
	return out.Entries, nil
}

// markJournal remembers where a component's journal stands, to count the
// exchanges that follow.
func (w *world) markJournal(base string) error {
	if err := w.needControl("counts exchanges in the components' journals"); err != nil {
		return err
	}
	e, err := w.controlAt(base, http.MethodGet, "/journal?limit=1", nil)
	if err != nil {
		return err
	}
	var out struct{ Entries []Exchange }
	_ = json.Unmarshal(e.body, &out)
	if w.portal.marks == nil {
		w.portal.marks = map[string]uint64{}
	}
	w.portal.marks[base] = 0
	if len(out.Entries) > 0 {
		w.portal.marks[base] = out.Entries[0].Seq
	}
	return nil
}

// countSince counts a component's exchanges since its mark that match.
func (w *world) countSince(base string, match func(Exchange) bool) (int, error) {
	since, ok := w.portal.marks[base]
	if !ok {
		return 0, fmt.Errorf("the scenario did not start counting at %s", base)
	}
	entries, err := w.journal(base, since)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range entries {
		if match(e) {
			n++
		}
	}
	return n, nil
}

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

// certificationInChain finds the certification ID in the way the browser
// went: ProConnect's login URL (/certifications/{id}/login) or the return
// to the portal (?certification_id=).
func (w *world) certificationInChain() string {
	core := baseOf(w.env.coreURL)
	for _, u := range w.http.browser.chain {
		if id := u.Query().Get("certification_id"); id != "" {
			return id
		}
		if baseOf(u.String()) == core {
			if rest, ok := strings.CutPrefix(u.Path, "/certifications/"); ok {
				if id, ok := strings.CutSuffix(rest, "/login"); ok {
					return id
				}
			}
		}
	}
	return ""
}

// accountState reads the portal's view of an account through its status_url.
func (w *world) accountState(id string) (string, error) {
	s, _, err := w.portalStatus(id)
	return s, err
}

// portalStatus reads status_url: the account state, and events_applied
// when the portal gives it (nil otherwise).
func (w *world) portalStatus(id string) (string, *int, error) {
	d := w.declaration()
	if d.StatusURL == "" {
		return "", nil, w.notDeclared("status_url")
	}
	if id == "" {
		return "", nil, errors.New("no certification to ask the portal about: the browser never went through ProConnect")
	}
	e, err := w.http.backend.get(fill(d.StatusURL, map[string]string{"certification_id": id}))
	if err != nil {
		return "", nil, err
	}
	if e.status == http.StatusNotFound {
		return "(404: the portal does not know this certification)", nil, nil
	}
	var out struct {
		AccountState  string `json:"account_state"`
		EventsApplied *int   `json:"events_applied"`
	}
	if e.status != http.StatusOK || json.Unmarshal(e.body, &out) != nil {
		return "", nil, fmt.Errorf("status_url: want 200 and {\"account_state\": …}; got %s", e.describe())
	}
	return out.AccountState, out.EventsApplied, nil
}

// certificationData is the data of a certification.completed event about
// the certification the person started.
func (w *world) certificationData(outcome string) (map[string]any, error) {
	return w.certificationDataFor(w.portal.certID, outcome)
}

func (w *world) certificationDataFor(certID, outcome string) (map[string]any, error) {
	if certID == "" {
		return nil, errors.New("no certification started at the portal: the scenario must open its start_url first")
	}
	data := map[string]any{"certification_id": certID, "siren": w.portal.certSIREN, "purpose": "registration", "outcome": outcome}
	if outcome == string(proconnect.OutcomeCertified) {
		data["dirigeant"] = map[string]any{"given_name": "Angela Claire Louise", "family_name": "DUBOIS", "birthdate": "1962-08-24", "role": "73"}
		data["fc_sub"] = randomHex(32) + "v1"
	}
	return data, nil
}

func (w *world) revocationData() (map[string]any, error) {
	if w.portal.certID == "" {
		return nil, errors.New("no certification started at the portal: the scenario must open its start_url first")
	}
	return map[string]any{"certification_id": w.portal.certID, "siren": w.portal.certSIREN, "reason": "not_dirigeant"}, nil
}

// sendCertification sends certification.completed for the started
// certification (a correct event, or one with a defect).
func (w *world) sendCertification(outcome, defect, kid string) error {
	data, err := w.certificationData(outcome)
	if err != nil {
		return err
	}
	return w.forgeAndSend("certification.completed", data, defect, kid, "certification.completed")
}

func (w *world) sendRevocation() error {
	data, err := w.revocationData()
	if err != nil {
		return err
	}
	return w.forgeAndSend("dirigeant.revoked", data, "", "", "dirigeant.revoked")
}

// expectState waits until the portal shows the account in state want.
func (w *world) expectState(want string, wait time.Duration) error {
	return w.portalErr(w.eventually(wait, 25*time.Millisecond, func() (bool, error) {
		got, err := w.accountState(w.portal.certID)
		if err != nil || got == want {
			return true, err
		}
		return false, fmt.Errorf("the portal says the account is %q after %s, want %q", got, wait, want)
	}))
}

func registerPortail(reg *stepRegistry, w *world) {

	// The person's way through the portal.
	reg.step(`^la personne ouvre la page de démarrage du portail pour le SIREN "([^"]*)"$`, func(siren string) error {
		return w.portalErr(w.openStart(siren))
	})
	reg.step(`^la personne a lancé une certification sur le portail pour le SIREN "([^"]*)"$`, func(siren string) error {
		if err := w.openStart(siren); err != nil {
			return w.portalErr(err)
		}
		if w.portal.certID == "" {
			return w.portalErr(fmt.Errorf("the portal's start page did not send the browser to ProConnect: %s", w.http.last.describe()))
		}
		return nil
	})
	reg.step(`^une deuxième personne ouvre la page de démarrage du portail pour le SIREN "([^"]*)"$`, func(siren string) error {
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
			return w.portalErr(fmt.Errorf("the second person did not reach FranceConnect: %s", e.describe()))
		}
		return nil
	})
	reg.step(`^la personne ouvre la page de certification du compte existant pour le SIREN "([^"]*)"$`, func(siren string) error {
		d := w.declaration()
		if d.CertificationURL == "" {
			return w.notDeclared("certification_url")
		}
		w.portal.accountRef, w.portal.certSIREN = "compte-suite-"+randomHex(5), w.expand(siren)
		return w.portalErr(w.openPortal(fill(d.CertificationURL, map[string]string{"account_ref": w.portal.accountRef, "siren": w.portal.certSIREN})))
	})
	reg.step(`^elle se connecte à FranceConnect avec la persona "([^"]*)"$`, func(login string) error {
		if err := w.loginAs(login, w.password(w.expand(login))); err != nil {
			return w.portalErr(err)
		}
		if id := w.lastCertificationID(); id != "" {
			w.portal.certID = id
		}
		return nil
	})
	reg.step(`^elle se connecte à FranceConnect avec la persona "([^"]*)", sans revenir au portail$`, func(login string) error {
		portal := baseOf(w.declaration().StartURL)
		w.http.browser.stop = func(u *url.URL) bool { return baseOf(u.String()) == portal }
		defer func() { w.http.browser.stop = nil }()
		if err := w.loginAs(login, w.password(w.expand(login))); err != nil {
			return err
		}
		if !w.http.last.isRedirect() || w.http.last.location().Query().Get("certification_id") == "" {
			return fmt.Errorf("ProConnect did not send the browser back to the portal: %s", w.http.last.describe())
		}
		w.portal.returnURL = w.http.last.location()
		w.portal.certID = w.portal.returnURL.Query().Get("certification_id")
		return nil
	})
	reg.step(`^elle abandonne à FranceConnect$`, func() error {
		if err := w.http.click("Revenir sur le service"); err != nil {
			return w.portalErr(err)
		}
		if id := w.lastCertificationID(); id != "" {
			w.portal.certID = id
		}
		return nil
	})
	reg.step(`^elle arrive sur la page de retour du portail$`, func() error {
		if w.http.last.status != http.StatusOK || w.lastCertificationID() == "" {
			return w.portalErr(fmt.Errorf("the browser did not come back through the portal's return page (redirect_uri?certification_id=…) to a page answering 200: %s", w.http.last.describe()))
		}
		return nil
	})
	// PSP-PAR-2: a return that does not come from the browser that started
	// the certification.
	reg.step(`^(un autre navigateur|la personne) ouvre l'adresse de retour du portail (telle quelle|sans son state|avec un autre state)$`, func(who, how string) error {
		if w.portal.returnURL == nil {
			return errors.New("no return to the portal was caught")
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
	})
	reg.step(`^le portail refuse ce retour$`, func() error {
		if w.http.last.status < 400 || w.http.last.status >= 500 {
			return fmt.Errorf("the portal accepted a return this browser did not start (a cross-site request forgery): want a 4xx answer; got %s", w.http.last.describe())
		}
		return nil
	})
	reg.step(`^la page de retour propose le parcours alternatif du portail$`, func() error {
		if !offersAlternative(w.http.last.body) {
			return fmt.Errorf("the return page offers no alternative path (a link or a form marked id=\"alternative\" or data-proconnect=\"parcours-alternatif\", or whose text or address says « alternatif »; docs/contrat-portail.md, PSP-PAR-4): %s", w.http.last.describe())
		}
		return nil
	})

	// The portal's view of the account.
	reg.step(`^le compte du portail passe à l'état "([^"]*)"$`, func(want string) error { return w.expectState(want, 5*time.Second) })
	reg.step(`^le compte du portail est à l'état "([^"]*)"$`, func(want string) error {
		got, err := w.accountState(w.portal.certID)
		if err != nil {
			return err
		}
		if got != want {
			return w.portalErr(fmt.Errorf("the portal says the account is %q, want %q", got, want))
		}
		return nil
	})
	reg.step(`^le compte du portail reste à l'état "([^"]*)"$`, func(want string) error {
		time.Sleep(100 * time.Millisecond)
		got, err := w.accountState(w.portal.certID)
		if err != nil {
			return err
		}
		if got != want {
			return fmt.Errorf("the portal says the account is %q, want %q", got, want)
		}
		return nil
	})
	// Applying a duplicate twice leaves the same state (events set states):
	// only a count of applied events shows it (events_applied).
	reg.step(`^le portail a appliqué (\d+) événements? pour cette certification$`, func(want int) error {
		_, applied, err := w.portalStatus(w.portal.certID)
		if err != nil {
			return err
		}
		if applied == nil {
			w.env.notApplicable(w.name, "the portal's status_url gives no events_applied: a duplicate applied twice cannot be seen")
			return godog.ErrSkip
		}
		if *applied != want {
			return fmt.Errorf("the portal applied %d events to this certification, want %d: a duplicate was applied again", *applied, want)
		}
		return nil
	})

	// PSP-PAR-5: an existing account.
	reg.step(`^la certification lue chez ProConnect porte la référence du compte et l'objet "([^"]*)"$`, func(purpose string) error {
		c, err := w.readAsPortal("/certifications/" + url.PathEscape(w.portal.certID))
		if err != nil {
			return err
		}
		if c["account_ref"] != w.portal.accountRef || c["purpose"] != purpose {
			return fmt.Errorf("ProConnect has the certification with account_ref %v and purpose %v, want %q and %q: the portal did not start it as the certification of its existing account",
				c["account_ref"], c["purpose"], w.portal.accountRef, purpose)
		}
		return nil
	})
	reg.step(`^l'événement "([^"]*)" livré au portail porte la référence du compte$`, func(typ string) error {
		return w.eventually(5*time.Second, 50*time.Millisecond, func() (bool, error) {
			list, err := w.deliveries(w.portal.certID)
			if err != nil {
				return true, err
			}
			for _, e := range list {
				if e.Type == typ && e.DeliveredAt != nil {
					if e.Data["account_ref"] != w.portal.accountRef {
						return true, fmt.Errorf("the %s event delivered has account_ref %v, want %q", typ, e.Data["account_ref"], w.portal.accountRef)
					}
					return true, nil
				}
			}
			return false, fmt.Errorf("no %s event delivered to the portal for this certification after 5 s", typ)
		})
	})

	// PSP-VER-2: the portal's own re-check.
	reg.step(`^le portail revérifie la certification(, sans événement de ProConnect pendant ce temps)?$`, func(hold string) error {
		d := w.declaration()
		if d.RecheckURL == "" {
			return w.notDeclared("recheck_url")
		}
		if hold != "" {
			if err := w.needExclusive("holds ProConnect's deliveries to the portal"); err != nil {
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
			return w.portalErr(fmt.Errorf("recheck_url: want 2xx once the account is up to date; got %s", w.http.last.describe()))
		}
		return nil
	})

	// Events.
	reg.step(`^ProConnect envoie au portail l'événement "certification.completed" "([^"]*)" pour cette certification$`, func(outcome string) error {
		return w.sendCertification(outcome, "", "")
	})
	reg.step(`^ProConnect envoie au portail, en retard, l'événement "certification.completed" "([^"]*)" de cette certification$`, func(outcome string) error {
		return w.sendCertification(outcome, "", "")
	})
	reg.step(`^ProConnect envoie au portail l'événement "dirigeant.revoked" pour cette certification$`, w.sendRevocation)
	reg.step(`^ProConnect renvoie au portail l'événement "([^"]*)" déjà reçu$`, func(typ string) error {
		raw, ok := w.portal.sent[typ]
		if !ok {
			return fmt.Errorf("no %s event was sent in this scenario", typ)
		}
		return w.sendEvent(raw, "application/jwt")
	})
	reg.step(`^on envoie au portail un événement "certified" pour cette certification (.+)$`, func(defect string) error {
		return w.sendCertification("certified", defect, "")
	})
	reg.step(`^on envoie au portail un corps "([^"]*)" de type "([^"]*)"$`, func(body, ct string) error { return w.sendEvent(body, ct) })
	reg.step(`^ProConnect envoie au portail l'événement "contact_email.changed" pour l'entreprise "([^"]*)"$`, func(siren string) error {
		s := w.expand(siren)
		return w.forgeAndSend("contact_email.changed", map[string]any{"siren": s, "contact_email": "contact-" + s + "@exemple.test"}, "", "", "contact_email.changed")
	})
	reg.step(`^ProConnect envoie au portail un événement d'un type à venir$`, func() error {
		return w.forgeAndSend("entreprise.evenement_a_venir", map[string]any{"siren": "901001008", "detail": "un type qu'aucun portail ne connaît encore"}, "", "", "a-venir")
	})
	reg.step(`^ProConnect envoie au portail l'événement "certification.completed" "certified" d'une certification que le portail n'a pas lancée$`, func() error {
		data := map[string]any{"certification_id": "inconnue-" + randomHex(8), "siren": "901001008", "purpose": "registration", "outcome": "certified",
			"dirigeant": map[string]any{"given_name": "Angela Claire Louise", "family_name": "DUBOIS", "birthdate": "1962-08-24", "role": "73"}}
		return w.forgeAndSend("certification.completed", data, "", "", "inconnue")
	})
	reg.step(`^les événements suivants portent des champs que le portail ne connaît pas$`, func() error {
		w.portal.extraData = true
		return nil
	})
	reg.step(`^le portail (accepte|refuse) l'événement$`, func(how string) error {
		ok := w.http.last.status >= 200 && w.http.last.status < 300
		switch {
		case ok && how == "refuse":
			return fmt.Errorf("the portal accepted an event it must refuse (want 4xx); got %s", w.http.last.describe())
		case !ok && how == "accepte":
			return fmt.Errorf("the portal refused a valid event (want 2xx); got %s", w.http.last.describe())
		case how == "refuse" && w.http.last.status >= 500:
			return fmt.Errorf("the portal refused with a server error (want 4xx: a bad event is the sender's fault, and ProConnect retries a 5xx); got %s", w.http.last.describe())
		case how == "refuse" && w.http.last.status < 400:
			return fmt.Errorf("the portal answered neither 2xx nor 4xx; got %s", w.http.last.describe())
		}
		return nil
	})
	reg.step(`^le portail a répondu en moins de (\d+) secondes$`, func(s int) error {
		if w.http.elapsed > time.Duration(s)*time.Second {
			return fmt.Errorf("the portal took %s to answer the event", w.http.elapsed.Round(time.Millisecond))
		}
		return nil
	})

	// More events (PSP-EVT-5, -7, -8, PSP-VER-1).
	reg.step(`^on envoie au portail un événement valide pour cette certification avec le type de contenu "([^"]*)"$`, func(ct string) error {
		data, err := w.certificationData("certified")
		if err != nil {
			return err
		}
		f, err := w.newForgery("certification.completed", data, "")
		if err != nil {
			return err
		}
		raw, err := f.sign()
		if err != nil {
			return err
		}
		return w.sendEvent(raw, ct)
	})
	reg.step(`^ProConnect envoie au portail l'événement "certification.completed" "certified" pour cette certification, destiné à plusieurs portails dont celui-ci$`, func() error {
		data, err := w.certificationData("certified")
		if err != nil {
			return err
		}
		f, err := w.newForgery("certification.completed", data, "")
		if err != nil {
			return err
		}
		f.claims["aud"] = []string{"un-autre-portail", w.declaration().ClientID}
		raw, err := f.sign()
		if err != nil {
			return err
		}
		return w.sendEvent(raw, "application/jwt")
	})
	reg.step(`^ProConnect renvoie au portail, (\d+) secondes plus tard, l'événement "([^"]*)" déjà reçu, signé de nouveau$`, func(n int, name string) error {
		time.Sleep(time.Duration(n) * time.Second)
		return w.resend(name)
	})
	reg.step(`^on envoie au portail un faux événement "certified" pour cette certification, signé par une autre clé, sous le jti du suivant$`, func() error {
		data, err := w.certificationData("certified")
		if err != nil {
			return err
		}
		f, err := w.newForgery("certification.completed", data, "")
		if err != nil {
			return err
		}
		if err := eventDefects["signé par une autre clé"](w, f); err != nil {
			return err
		}
		w.portal.jti = randomHex(12)
		f.claims["jti"] = w.portal.jti
		raw, err := f.sign()
		if err != nil {
			return err
		}
		return w.sendEvent(raw, "application/jwt")
	})
	reg.step(`^ProConnect envoie au portail l'événement "certification.completed" "certified" pour cette certification, sous ce jti$`, func() error {
		data, err := w.certificationData("certified")
		if err != nil {
			return err
		}
		f, err := w.newForgery("certification.completed", data, "")
		if err != nil {
			return err
		}
		f.claims["jti"] = w.portal.jti
		raw, err := f.sign()
		if err != nil {
			return err
		}
		return w.sendEvent(raw, "application/jwt")
	})
	reg.step(`^une deuxième personne a lancé une certification sur le portail pour le SIREN "([^"]*)"$`, func(siren string) error {
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
			return w.portalErr(errors.New("the second person's start did not go through ProConnect"))
		}
		return nil
	})
	reg.step(`^ProConnect envoie au portail l'événement "certification.completed" "certified" pour la certification de la deuxième personne$`, func() error {
		data, err := w.certificationDataFor(w.portal.otherCert, "certified")
		if err != nil {
			return err
		}
		return w.forgeAndSend("certification.completed", data, "", "", "deuxième")
	})
	reg.step(`^le compte de la deuxième personne est à l'état "([^"]*)"$`, func(want string) error {
		got, err := w.accountState(w.portal.otherCert)
		if err != nil {
			return err
		}
		if got != want {
			return fmt.Errorf("the portal says the second person's account is %q, want %q: a revocation is about one certification, not the company", got, want)
		}
		return nil
	})

	// PSP-API-2: a token ProConnect refuses is renewed.
	reg.step(`^ProConnect refusera le prochain appel du portail pour jeton invalide$`, func() error {
		if err := w.needExclusive("makes ProConnect refuse the portal's next call"); err != nil {
			return err
		}
		body := `{"type":"https://proconnect-sandbox.example/problems/invalid-token","title":"Invalid access token","status":401,"detail":"The PISTE access token is expired."}`
		_, err := w.controlAt(w.env.coreURL, http.MethodPost, "/faults", map[string]any{"path": "/api/v1/", "client_id": w.declaration().ClientID,
			"status": 401, "count": 1, "body": body, "content_type": "application/problem+json"})
		return err
	})
	reg.step(`^elle arrive sur la page de connexion de FranceConnect$`, func() error {
		if _, ok := loginForm(w.http.last.body); !ok {
			return w.portalErr(fmt.Errorf("the browser is not on FranceConnect's login page: %s", w.http.last.describe()))
		}
		return nil
	})
	reg.step(`^le portail a demandé un nouveau jeton à PISTE pendant le scénario$`, func() error {
		id := w.declaration().ClientID
		n, err := w.countSince(w.env.pisteURL, func(e Exchange) bool {
			return e.Path == "/api/oauth/token" && e.Client == id && e.Status == http.StatusOK
		})
		if err != nil {
			return err
		}
		if n == 0 {
			return errors.New("the portal asked PISTE for no new token after ProConnect answered 401: renew the token on a 401, then retry the call")
		}
		return nil
	})

	// PSP-CLE: ProConnect's keys.
	reg.step(`^ProConnect envoie au portail (\d+) événements valides$`, func(n int) error {
		if err := w.markJournal(w.env.coreURL); err != nil {
			return err
		}
		start := time.Now()
		defer func() { w.portal.sending = time.Since(start) }()
		for i := range n {
			s := "90100100" + string(rune('0'+i%10))
			if err := w.forgeAndSend("contact_email.changed", map[string]any{"siren": s, "contact_email": fmt.Sprintf("contact-%d@exemple.test", i)}, "", "", "valide"); err != nil {
				return err
			}
			if w.http.last.status < 200 || w.http.last.status > 299 {
				return fmt.Errorf("event %d of %d refused: %s", i+1, n, w.http.last.describe())
			}
		}
		return nil
	})
	reg.step(`^on envoie au portail (\d+) événements signés d'un kid inconnu$`, func(n int) error {
		if err := w.markJournal(w.env.coreURL); err != nil {
			return err
		}
		start := time.Now()
		defer func() { w.portal.sending = time.Since(start) }()
		for i := range n {
			data := map[string]any{"siren": "901001008", "contact_email": fmt.Sprintf("imposteur-%d@exemple.test", i)}
			if err := w.forgeAndSend("contact_email.changed", data, "avec un kid inconnu", "", "kid-inconnu"); err != nil {
				return err
			}
			if w.http.last.status < 400 || w.http.last.status > 499 {
				return fmt.Errorf("event %d of %d, with a kid ProConnect never published: want 4xx; got %s", i+1, n, w.http.last.describe())
			}
		}
		return nil
	})
	reg.step(`^le portail a lu le JWKS de ProConnect au plus (\d+) fois pendant ce temps$`, func(most int) error {
		n, err := w.countSince(w.env.coreURL, func(e Exchange) bool { return e.Method == http.MethodGet && e.Path == "/api/v1/jwks" })
		if err != nil {
			return err
		}
		// a portal slow to answer stretches the sending: one re-read per
		// 5 s of it is still a bounded rate (PSP-CLE-3)
		allowed := max(most, 1+int(w.portal.sending/(5*time.Second)))
		if n > allowed {
			return fmt.Errorf("the portal read ProConnect's JWKS %d times while the suite sent its events (%s), want at most %d: cache the keys, and space out the re-reads an unknown kid causes",
				n, w.portal.sending.Round(time.Millisecond), allowed)
		}
		return nil
	})
	reg.step(`^ProConnect passe à une nouvelle clé de signature$`, func() error {
		if err := w.needExclusive("changes the key ProConnect signs every event with"); err != nil {
			return err
		}
		if _, err := w.controlAt(w.env.coreURL, http.MethodPost, "/keys/rotate", map[string]any{}); err != nil {
			return err
		}
		w.shared.rotated = true
		return nil
	})
	reg.step(`^ProConnect envoie au portail l'événement "certification.completed" "([^"]*)" pour cette certification, signé de sa nouvelle clé, jusqu'à ce qu'il l'accepte$`, func(outcome string) error {
		keys := w.env.fixtures.KeysFor("proconnect")
		if len(keys) < 2 {
			return errors.New("the fixtures hold a single ProConnect key")
		}
		data, err := w.certificationData(outcome)
		if err != nil {
			return err
		}
		// ProConnect retries a refused event (1 s, 2 s, 4 s…): so does the
		// suite, for 12 s, with the same jti and a fresh signature.
		jti := randomHex(12)
		deadline := time.Now().Add(12 * time.Second)
		for {
			f, err := w.newForgery("certification.completed", data, keys[1].KID)
			if err != nil {
				return err
			}
			f.claims["jti"] = jti
			raw, err := f.sign()
			if err != nil {
				return err
			}
			if err := w.sendEvent(raw, "application/jwt"); err != nil {
				return err
			}
			if w.http.last.status >= 200 && w.http.last.status < 300 {
				return nil
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("the portal still refuses, after 12 s of retries, an event signed with ProConnect's new key %s (published in its JWKS): re-read the JWKS for a kid you do not know; last answer %s",
					keys[1].KID, w.http.last.describe())
			}
			time.Sleep(time.Second)
		}
	})

	// PSP-API-2: the PISTE token.
	reg.step(`^le bac à sable compte les appels du portail$`, func() error {
		if err := w.markJournal(w.env.pisteURL); err != nil {
			return err
		}
		return w.markJournal(w.env.coreURL)
	})
	reg.step(`^le portail a demandé au plus (\d+) jetons? à PISTE pendant le scénario$`, func(most int) error {
		id := w.declaration().ClientID
		n, err := w.countSince(w.env.pisteURL, func(e Exchange) bool { return e.Path == "/api/oauth/token" && e.Client == id })
		if err != nil {
			return err
		}
		if n > most {
			return fmt.Errorf("the portal asked PISTE for %d tokens, want at most %d: a token is valid one hour, keep it", n, most)
		}
		return nil
	})

	// Collaborators' access requests through the portal (PSP-ACC).
	fileAccess := func(given, family, mail string) error {
		d := w.declaration()
		if d.AccessRequestURL == "" {
			return w.notDeclared("access_request_url")
		}
		body, _ := json.Marshal(map[string]string{"siren": w.register.siren, "email": w.expand(mail), "given_name": given, "family_name": family})
		return w.call(http.MethodPost, d.AccessRequestURL, map[string]string{"Content-Type": "application/json"}, body)
	}
	reg.step(`^un collaborateur "([^"]*)" "([^"]*)" <([^>]*)> demande l'accès au portail pour une entreprise sans courriel de contact$`, fileAccess)
	reg.step(`^le portail refuse la demande sans l'inventer$`, func() error {
		var out struct {
			AccessRequestID string `json:"access_request_id"`
		}
		_ = json.Unmarshal(w.http.last.body, &out)
		if w.http.last.status < 400 || w.http.last.status >= 500 || out.AccessRequestID != "" {
			return fmt.Errorf("access_request_url: want a 4xx refusal without an access_request_id (ProConnect refused with 409 no-contact-email); got %s", w.http.last.describe())
		}
		return nil
	})
	reg.step(`^un collaborateur "([^"]*)" "([^"]*)" <([^>]*)> demande l'accès au portail pour l'entreprise$`, func(given, family, mail string) error {
		if err := fileAccess(given, family, mail); err != nil {
			return err
		}
		var out struct {
			AccessRequestID string `json:"access_request_id"`
		}
		if err := json.Unmarshal(w.http.last.body, &out); err != nil || out.AccessRequestID == "" || w.http.last.status > 299 {
			return w.portalErr(fmt.Errorf("access_request_url: want 2xx and {\"access_request_id\": …}; got %s", w.http.last.describe()))
		}
		w.mail.accessID = out.AccessRequestID
		return nil
	})
	reg.step(`^la demande d'accès du portail (est|passe) à l'état "([^"]*)"$`, func(how, want string) error {
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
			return how == "est", fmt.Errorf("the portal says the access request is %q, want %q; access_status_url gave %s", out.AccessState, want, e.describe())
		})
	})
}

// lastCertificationID reads the certification ID from the way back to the
// portal: the redirection to its redirect_uri, wherever the portal sent the
// browser after (a Post/Redirect/Get to the account page, say).
func (w *world) lastCertificationID() string {
	core := baseOf(w.env.coreURL)
	for i := len(w.http.browser.chain) - 1; i >= 0; i-- {
		u := w.http.browser.chain[i]
		if id := u.Query().Get("certification_id"); id != "" && baseOf(u.String()) != core {
			return id
		}
	}
	return ""
}

// newBrowser is another person's browser (no cookies shared).
func (w *world) newBrowser() *driver {
	b := newDriver(w.env.transport, w.trace, w.http.browser.home...)
	b.seen, b.siteOf = w.http.browser.seen, w.http.browser.siteOf
	return b
}

// readAsPortal reads the ProConnect API with the declared portal's own
// credentials.
func (w *world) readAsPortal(path string) (map[string]any, error) {
	d := w.declaration()
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"proconnect"}}
	h := map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Authorization": "Basic " + basic(d.ClientID, d.ClientSecret)}
	if err := w.call(http.MethodPost, w.env.pisteURL+"/api/oauth/token", h, []byte(form.Encode())); err != nil {
		return nil, err
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if json.Unmarshal(w.http.last.body, &tok) != nil || tok.AccessToken == "" {
		return nil, fmt.Errorf("PISTE gave no token for the declared portal's credentials: %s", w.http.last.describe())
	}
	if err := w.api(http.MethodGet, path, nil, tok.AccessToken); err != nil {
		return nil, err
	}
	if w.http.last.status != http.StatusOK {
		return nil, fmt.Errorf("ProConnect %s: %s", path, w.http.last.describe())
	}
	return w.http.lastJSON()
}

// deliveries lists the core's outbox events about a subject (a
// certification, an access request).
func (w *world) deliveries(subject string) ([]proconnect.Event, error) {
	e, err := w.controlAt(w.env.coreURL, http.MethodGet, "/deliveries?subject="+url.QueryEscape(subject), nil)
	if err != nil {
		return nil, err
	}
	var out struct{ Deliveries []proconnect.Event }
	if err := json.Unmarshal(e.body, &out); err != nil {
		return nil, fmt.Errorf("ProConnect's deliveries: %w", err)
	}
	return out.Deliveries, nil
}

// offersAlternative says whether a page offers the portal's alternative
// path, as the contract tells the suite to recognise it (PSP-PAR-4): a link
// (any destination, mailto: included) or a form, marked id="alternative" or
// data-proconnect="parcours-alternatif" (or inside such an element), or
// whose visible text or address says "alternati…".
func offersAlternative(page []byte) bool {
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		return false
	}
	marked := func(n *html.Node) bool {
		return attr(n, "id") == "alternative" || attr(n, "data-proconnect") == "parcours-alternatif"
	}
	found := false
	var walk func(n *html.Node, inMarked bool)
	walk = func(n *html.Node, inMarked bool) {
		if found {
			return
		}
		if n.Type == html.ElementNode {
			inMarked = inMarked || marked(n)
			action := (n.Data == "a" && attr(n, "href") != "") || n.Data == "form"
			if action {
				says := strings.ToLower(textOf(n) + " " + attr(n, "href") + " " + attr(n, "action"))
				if inMarked || strings.Contains(says, "alternati") {
					found = true
					return
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inMarked)
		}
	}
	walk(doc, false)
	return found
}
