package harness

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/pspevent"
)

// The portail suite's events: the harness sends the portal under test what
// ProConnect would (signed with the core's test key, forge.go), correct or
// with one defect, and checks what the portal answers.

// registerPortailEvents binds the steps that send the portal events.
func registerPortailEvents(reg *stepRegistry, w *world) {
	reg.step(`^ProConnect envoie au portail l'événement "certification.completed" "([^"]*)" pour cette certification$`, w.sendCertificationEvent)
	reg.step(`^ProConnect envoie au portail, en retard, l'événement "certification.completed" "([^"]*)" de cette certification$`, w.sendCertificationEvent)
	reg.step(`^ProConnect envoie au portail l'événement "dirigeant.revoked" pour cette certification$`, w.sendRevocation)
	reg.step(`^ProConnect renvoie au portail l'événement "([^"]*)" déjà reçu$`, w.replayEvent)
	reg.step(`^on envoie au portail un événement "certified" pour cette certification (.+)$`, w.sendDefectiveEvent)
	reg.step(`^on envoie au portail un corps "([^"]*)" de type "([^"]*)"$`, w.sendEvent)
	reg.step(`^ProConnect envoie au portail l'événement "contact_email.changed" pour l'entreprise "([^"]*)"$`, w.sendContactEmailChanged)
	reg.step(`^ProConnect envoie au portail un événement d'un type à venir$`, w.sendFutureEvent)
	reg.step(`^ProConnect envoie au portail l'événement "certification.completed" "certified" d'une certification que le portail n'a pas lancée$`, w.sendEventOfUnknownCertification)
	reg.step(`^les événements suivants portent des champs que le portail ne connaît pas$`, w.portal.addUnknownFields)
	reg.step(`^le portail (accepte|refuse) l'événement$`, w.http.checkEventAnswer)
	reg.step(`^le portail a répondu en moins de (\d+) secondes$`, w.http.checkAnsweredWithin)

	// More events (PSP-EVT-5, -7, -8, PSP-VER-1).
	reg.step(`^on envoie au portail un événement valide pour cette certification avec le type de contenu "([^"]*)"$`, w.sendValidEventAs)
	reg.step(`^ProConnect envoie au portail l'événement "certification.completed" "certified" pour cette certification, destiné à plusieurs portails dont celui-ci$`, w.sendEventToSeveralPortals)
	reg.step(`^ProConnect renvoie au portail, (\d+) secondes plus tard, l'événement "([^"]*)" déjà reçu, signé de nouveau$`, w.resendLater)
	reg.step(`^on envoie au portail un faux événement "certified" pour cette certification, signé par une autre clé, sous le jti du suivant$`, w.sendForgeryUnderNextJTI)
	reg.step(`^ProConnect envoie au portail l'événement "certification.completed" "certified" pour cette certification, sous ce jti$`, w.sendCertifiedUnderThatJTI)
	reg.step(`^ProConnect envoie au portail l'événement "certification.completed" "certified" pour la certification de la deuxième personne$`, w.sendSecondPersonCertified)

	// PSP-CLE: ProConnect's keys.
	reg.step(`^ProConnect envoie au portail (\d+) événements valides$`, w.sendValidEvents)
	reg.step(`^on envoie au portail (\d+) événements signés d'un kid inconnu$`, w.sendUnknownKidEvents)
	reg.step(`^le portail a lu le JWKS de ProConnect au plus (\d+) fois pendant ce temps$`, w.checkJWKSReads)
	reg.step(`^ProConnect passe à une nouvelle clé de signature$`, w.rotateCoreKey)
	reg.step(`^ProConnect envoie au portail l'événement "certification.completed" "([^"]*)" pour cette certification, signé de sa nouvelle clé, jusqu'à ce qu'il l'accepte$`, w.sendWithNewKeyUntilAccepted)
}

func (w *world) sendCertificationEvent(outcome string) error {
	return w.sendCertification(outcome, "", "")
}

// replayEvent sends again, byte for byte, an event sent in this scenario.
func (w *world) replayEvent(name string) error {
	raw, ok := w.portal.sent[name]
	if !ok {
		return fmt.Errorf("aucun événement %s n'a été envoyé dans ce scénario", name)
	}
	return w.sendEvent(raw, pspevent.ContentType)
}

// angela is the dirigeant the forged completions certify (a fixture persona).
var angela = pspevent.Dirigeant{GivenName: "Angela Claire Louise", FamilyName: "DUBOIS", Birthdate: "1962-08-24", Role: "73"}

// sendDefectiveEvent sends certification.completed "certified" with one of
// eventDefects.
func (w *world) sendDefectiveEvent(defect string) error {
	return w.sendCertification("certified", defect, "")
}

func (w *world) sendContactEmailChanged(siren string) error {
	s := w.expand(siren)
	return w.forgeAndSend(pspevent.ContactEmailChanged, pspevent.Fields(pspevent.ContactEmail{SIREN: s, ContactEmail: "contact-" + s + "@exemple.test"}),
		"", "", "contact_email.changed")
}

// sendFutureEvent sends an event of a type no portal knows yet: a portal
// must accept it and ignore it.
func (w *world) sendFutureEvent() error {
	return w.forgeAndSend("entreprise.evenement_a_venir", map[string]any{"siren": "901001008", "detail": "un type qu'aucun portail ne connaît encore"}, "", "", "a-venir")
}

func (w *world) sendEventOfUnknownCertification() error {
	data := pspevent.Certification{CertificationID: "inconnue-" + randomHex(8), SIREN: "901001008", Purpose: "registration",
		Outcome: "certified", Dirigeant: &angela}
	return w.forgeAndSend(pspevent.CertificationCompleted, pspevent.Fields(data), "", "", "inconnue")
}

// addUnknownFields makes the events that follow carry a data field no
// portal knows yet.
func (p *portalState) addUnknownFields() error {
	p.extraData = true
	return nil
}

// checkEventAnswer checks the portal's answer to an event: 2xx to accept
// it, 4xx to refuse it (ProConnect retries a 5xx).
func (h *httpState) checkEventAnswer(how string) error {
	ok := h.last.status >= 200 && h.last.status < 300
	switch {
	case ok && how == "refuse":
		return fmt.Errorf("le portail a accepté un événement qu'il doit refuser (4xx attendu) ; reçu : %s", h.last.describe())
	case !ok && how == "accepte":
		return fmt.Errorf("le portail a refusé un événement valide (2xx attendu) ; reçu : %s", h.last.describe())
	case how == "refuse" && h.last.status >= 500:
		return fmt.Errorf("le portail a refusé par une erreur serveur (4xx attendu : un mauvais événement est la faute de l'émetteur, et ProConnect réessaie après un 5xx) ; reçu : %s", h.last.describe())
	case how == "refuse" && h.last.status < 400:
		return fmt.Errorf("le portail n'a répondu ni 2xx ni 4xx ; reçu : %s", h.last.describe())
	}
	return nil
}

func (h *httpState) checkAnsweredWithin(seconds int) error {
	if h.elapsed > time.Duration(seconds)*time.Second {
		return fmt.Errorf("le portail a mis %s à répondre à l'événement", h.elapsed.Round(time.Millisecond))
	}
	return nil
}

// More events.

// forgeCertified is a correct certification.completed "certified" of the
// started certification, not yet signed.
func (w *world) forgeCertified() (*forgery, error) {
	data, err := w.certificationData("certified")
	if err != nil {
		return nil, err
	}
	return w.newForgery("certification.completed", data, "")
}

// signAndSend signs a forgery and sends it with the content type ct.
func (w *world) signAndSend(f *forgery, ct string) error {
	raw, err := f.sign()
	if err != nil {
		return err
	}
	return w.sendEvent(raw, ct)
}

func (w *world) sendValidEventAs(contentType string) error {
	f, err := w.forgeCertified()
	if err != nil {
		return err
	}
	return w.signAndSend(f, contentType)
}

// sendEventToSeveralPortals sends an event whose aud lists another portal
// and this one.
func (w *world) sendEventToSeveralPortals() error {
	f, err := w.forgeCertified()
	if err != nil {
		return err
	}
	f.claims["aud"] = []string{"un-autre-portail", w.declaration().ClientID}
	return w.signAndSend(f, pspevent.ContentType)
}

// resendLater lets n seconds pass for the portal (on its clock when it has
// one: portal_time.go), then sends a sent event again, dated and signed
// anew with its jti: ProConnect's retry.
func (w *world) resendLater(n int, name string) (err error) {
	w.passPortalTime(time.Duration(n) * time.Second)
	defer func() { err = errors.Join(err, w.resetPortalClock()) }()
	return w.resend(name)
}

// sendForgeryUnderNextJTI sends a forged event under a jti the next
// (genuine) event takes: a portal that records a refused event's jti would
// then refuse the genuine one.
func (w *world) sendForgeryUnderNextJTI() error {
	f, err := w.forgeCertified()
	if err != nil {
		return err
	}
	if err := eventDefects["signé par une autre clé"](w, f); err != nil {
		return err
	}
	w.portal.jti = randomHex(12)
	f.claims["jti"] = w.portal.jti
	return w.signAndSend(f, pspevent.ContentType)
}

func (w *world) sendCertifiedUnderThatJTI() error {
	f, err := w.forgeCertified()
	if err != nil {
		return err
	}
	f.claims["jti"] = w.portal.jti
	return w.signAndSend(f, pspevent.ContentType)
}

func (w *world) sendSecondPersonCertified() error {
	data, err := w.certificationDataFor(w.portal.otherCert, "certified")
	if err != nil {
		return err
	}
	return w.forgeAndSend("certification.completed", data, "", "", "deuxième")
}

// PSP-CLE: ProConnect's keys.

// sendValidEvents sends n valid events in a row, counting the portal's
// JWKS reads from the first (checkJWKSReads).
func (w *world) sendValidEvents(n int) error {
	if err := w.markJournal(w.env.coreURL); err != nil {
		return err
	}
	start := time.Now()
	defer func() { w.portal.sending = time.Since(start) }()
	for i := range n {
		s := "90100100" + string(rune('0'+i%10))
		data := pspevent.Fields(pspevent.ContactEmail{SIREN: s, ContactEmail: fmt.Sprintf("contact-%d@exemple.test", i)})
		if err := w.forgeAndSend(pspevent.ContactEmailChanged, data, "", "", "valide"); err != nil {
			return err
		}
		if w.http.last.status < 200 || w.http.last.status > 299 {
			return fmt.Errorf("événement %d sur %d refusé : %s", i+1, n, w.http.last.describe())
		}
	}
	return nil
}

// sendUnknownKidEvents sends n events signed with kids ProConnect never
// published, each of which the portal must refuse.
func (w *world) sendUnknownKidEvents(n int) error {
	if err := w.markJournal(w.env.coreURL); err != nil {
		return err
	}
	start := time.Now()
	defer func() { w.portal.sending = time.Since(start) }()
	for i := range n {
		data := pspevent.Fields(pspevent.ContactEmail{SIREN: "901001008", ContactEmail: fmt.Sprintf("imposteur-%d@exemple.test", i)})
		if err := w.forgeAndSend("contact_email.changed", data, "avec un kid inconnu", "", "kid-inconnu"); err != nil {
			return err
		}
		if w.http.last.status < 400 || w.http.last.status > 499 {
			return fmt.Errorf("événement %d sur %d, avec un kid que ProConnect n'a jamais publié : 4xx attendu ; reçu : %s", i+1, n, w.http.last.describe())
		}
	}
	return nil
}

// checkJWKSReads counts the portal's reads of ProConnect's JWKS while the
// suite sent its events.
func (w *world) checkJWKSReads(most int) error {
	n, err := w.countSince(w.env.coreURL, func(e Exchange) bool { return e.Method == http.MethodGet && e.Path == "/api/v1/jwks" })
	if err != nil {
		return err
	}
	// a portal slow to answer stretches the sending: one re-read per
	// 5 s of it is still a bounded rate (PSP-CLE-3)
	allowed := max(most, 1+int(w.portal.sending/(5*time.Second)))
	if n > allowed {
		return fmt.Errorf("le portail a lu %d fois le JWKS de ProConnect pendant que la suite envoyait ses événements (%s), au plus %d attendus : gardez les clés en cache, et espacez les relectures que cause un kid inconnu",
			n, w.portal.sending.Round(time.Millisecond), allowed)
	}
	return nil
}

// rotateCoreKey makes ProConnect sign with its next key (published in its
// JWKS) until the scenario ends.
func (w *world) rotateCoreKey() error {
	if err := w.needExclusive("change la clé qui signe chaque événement de ProConnect"); err != nil {
		return err
	}
	if _, err := w.controlAt(w.env.coreURL, http.MethodPost, "/keys/rotate", map[string]any{}); err != nil {
		return err
	}
	w.shared.rotated = true
	return nil
}

// sendWithNewKeyUntilAccepted sends an event signed with ProConnect's
// second key until the portal accepts it, as ProConnect retries a refused
// event (1 s, 2 s, 4 s…): for 12 s, with the same jti and a fresh
// signature. The second between tries passes on the portal's clock when it
// has one (portal_time.go): a correct portal re-reads the JWKS once its
// spacing has passed on that clock.
func (w *world) sendWithNewKeyUntilAccepted(outcome string) (err error) {
	defer func() { err = errors.Join(err, w.resetPortalClock()) }()
	keys := w.env.fixtures.KeysFor("proconnect")
	if len(keys) < 2 {
		return errors.New("les fixtures n'ont qu'une clé ProConnect")
	}
	data, err := w.certificationData(outcome)
	if err != nil {
		return err
	}
	jti := randomHex(12)
	const tries = 12 * time.Second
	deadline, waited := time.Now().Add(tries), time.Duration(0)
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
		if err := w.sendEvent(raw, pspevent.ContentType); err != nil {
			return err
		}
		if w.http.last.status >= 200 && w.http.last.status < 300 {
			return nil
		}
		if time.Now().After(deadline) || waited >= tries {
			return fmt.Errorf("le portail refuse encore, après 12 s d'essais, un événement signé de la nouvelle clé de ProConnect %s (publiée dans son JWKS) : relisez le JWKS pour un kid inconnu ; dernière réponse : %s",
				keys[1].KID, w.http.last.describe())
		}
		w.passPortalTime(time.Second)
		waited += time.Second
	}
}

// The events' data.

// certificationData is the data of a certification.completed event about
// the certification the person started.
func (w *world) certificationData(outcome string) (map[string]any, error) {
	return w.certificationDataFor(w.portal.certID, outcome)
}

func (w *world) certificationDataFor(certID, outcome string) (map[string]any, error) {
	if certID == "" {
		return nil, errors.New("aucune certification lancée au portail : le scénario doit d'abord ouvrir son start_url")
	}
	data := pspevent.Certification{CertificationID: certID, SIREN: w.portal.certSIREN, Purpose: "registration", Outcome: outcome}
	if outcome == "certified" {
		data.Dirigeant, data.FCSub = &angela, randomHex(32)+"v1"
	}
	return pspevent.Fields(data), nil
}

func (w *world) revocationData() (map[string]any, error) {
	if w.portal.certID == "" {
		return nil, errors.New("aucune certification lancée au portail : le scénario doit d'abord ouvrir son start_url")
	}
	return pspevent.Fields(pspevent.Revocation{CertificationID: w.portal.certID, SIREN: w.portal.certSIREN, Reason: "not_dirigeant"}), nil
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
