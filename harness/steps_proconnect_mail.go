package harness

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cucumber/godog"

	"github.com/proconnect-sandbox/proconnect-sandbox/mocks/mailbox"
)

// The dirigeant's contact email and collaborators' access requests: the
// scenarios read the real mail from the mailbox and follow its links as the
// dirigeant's browser.

// mailMessage is a message as the mailbox API gives it.
type mailMessage = mailbox.Message

// mailState is the proconnect suite's part of a scenario about mail and
// access requests (the portail suite's access requests use it too).
type mailState struct {
	message  *mailMessage // the last mail read
	accessID string       // the access request of the scenario
}

// registerMail binds the steps about ProConnect's mail, the contact email
// and access requests to w.
func registerMail(reg *stepRegistry, w *world) {
	// The mail.
	reg.step(`^un courriel arrive à "([^"]*)" avec l'objet "([^"]*)"$`, w.waitMailWithSubject)
	reg.step(`^un deuxième courriel arrive à "([^"]*)"$`, w.waitSecondMail)
	reg.step(`^"([^"]*)" n'a reçu que (\d+) courriels?$`, w.checkMailCount)
	reg.step(`^aucun courriel n'arrive à "([^"]*)"$`, w.checkNoMail)
	reg.step(`^le courriel est en texte et en HTML, et chacun contient "([^"]*)" et le lien$`, w.checkMailParts)
	reg.step(`^le courriel est en français$`, w.mail.checkFrench)
	reg.step(`^la personne ouvre le lien du courriel$`, w.openMailLink)
	reg.step(`^la personne ouvre le lien du courriel avec un jeton falsifié$`, w.openMailLinkWithForgedToken)
	reg.step(`^ProConnect affiche la page "([^"]*)"$`, w.checkProConnectPageShown)
	reg.step(`^ProConnect affiche la page "([^"]*)" avec le statut (\d+)$`, w.checkProConnectPage)
	reg.step(`^la page indique "([^"]*)"$`, w.checkPageSays)

	// The mail server (@exclusif scenarios).
	reg.step(`^le serveur de courriel est en panne$`, w.stopMailServer)
	reg.step(`^le serveur de courriel revient$`, w.restartMailServer)
	reg.step(`^ProConnect réessaie ses envois plus tard$`, w.retrySendingLater)

	// The contact email.
	reg.step(`^la personne ouvre la page du courriel de contact de ProConnect$`, w.openContactPage)
	reg.step(`^elle indique le SIREN "([^"]*)" et se connecte avec la persona "([^"]*)"$`, w.giveSIRENAndLogIn)
	reg.step(`^elle indique le courriel "([^"]*)"$`, w.giveEmail)
	reg.step(`^le dirigeant "([^"]*)" référence le courriel de contact vérifié "([^"]*)"$`, w.referenceVerifiedContactEmail)
	reg.step(`^le portail lit le courriel de contact de l'entreprise$`, w.readContactEmailAsPortal)
	reg.step(`^l'événement "([^"]*)" de l'entreprise arrive au portail$`, w.waitCompanyEvent)
	reg.step(`^l'événement "contact_email.changed" pour "([^"]*)" arrive au portail$`, w.waitContactEmailChanged)

	// Access requests, the portal's side (proconnect suite).
	reg.step(`^le portail dépose une demande d'accès pour "([^"]*)" "([^"]*)" <([^>]*)>$`, w.fileAccessRequestFor)
	reg.step(`^le portail dépose une demande d'accès avec :$`, w.fileAccessRequestWith)
	reg.step(`^le portail lit la demande d'accès$`, w.readAccessRequest)
	reg.step(`^la demande d'accès est à l'état "([^"]*)"$`, w.checkAccessRequestStatus)
	reg.step(`^la réponse désigne la même demande d'accès$`, w.checkSameAccessRequest)
	reg.step(`^l'événement "([^"]*)" de la demande d'accès arrive au portail$`, w.waitAccessRequestEvent)
	reg.step(`^ProConnect constate les demandes expirées$`, w.expireAccessRequests)

	// Access requests, the dirigeant's side.
	reg.step(`^elle se connecte avec FranceConnect avec la persona "([^"]*)"$`, w.logInWithFranceConnect)
	reg.step(`^elle (accepte|refuse) la demande$`, w.answerAccessRequest)
}

// The mail.

// waitMailWithSubject waits for the first mail to a recipient, and checks
// the beginning of its subject.
func (w *world) waitMailWithSubject(to, subject string) error {
	to = w.expand(to)
	if err := w.waitMail(to, 1); err != nil {
		return err
	}
	if got := w.mail.message.Subject; !strings.HasPrefix(got, w.expand(subject)) {
		return fmt.Errorf("objet %q, attendu commençant par %q", got, subject)
	}
	return nil
}

func (w *world) waitSecondMail(to string) error { return w.waitMail(w.expand(to), 2) }

// checkMailCount counts the mail to a recipient, once nothing more to it
// is on its way (see mailSettled).
func (w *world) checkMailCount(to string, n int) error {
	if err := w.needMailbox(); err != nil {
		return err
	}
	if err := w.mailSettled(w.expand(to)); err != nil {
		return err
	}
	msgs, err := w.messages(w.expand(to))
	if err != nil {
		return err
	}
	if len(msgs) != n {
		return fmt.Errorf("%d message(s) pour %s, attendu %d", len(msgs), w.expand(to), n)
	}
	return nil
}

func (w *world) checkNoMail(to string) error {
	if err := w.needMailbox(); err != nil {
		return err
	}
	if err := w.mailSettled(w.expand(to)); err != nil {
		return err
	}
	msgs, err := w.messages(w.expand(to))
	if err != nil {
		return err
	}
	if len(msgs) != 0 {
		return fmt.Errorf("%d message(s) pour %s, aucun attendu : %q", len(msgs), w.expand(to), msgs[0].Subject)
	}
	return nil
}

// checkMailParts checks that the last mail has a text and an HTML part,
// each saying want and giving the link to ProConnect.
func (w *world) checkMailParts(want string) error {
	m := w.mail.message
	link, err := w.mailLink()
	if err != nil {
		return err
	}
	want = w.expand(want)
	htmlLink := strings.ReplaceAll(link, "&", "&amp;")
	switch {
	case m.Text == "" || m.HTML == "":
		return fmt.Errorf("le courriel n'est pas à la fois texte et HTML (texte %d octets, HTML %d octets)", len(m.Text), len(m.HTML))
	case !strings.Contains(m.Text, want) || !strings.Contains(m.HTML, want):
		return fmt.Errorf("le courriel ne dit pas %q dans ses deux parties :\n%s", want, m.Text)
	case !strings.Contains(m.Text, link) || !strings.Contains(m.HTML, htmlLink):
		return fmt.Errorf("le lien %s n'est pas dans les deux parties", link)
	}
	return nil
}

func (m *mailState) checkFrench() error {
	if !strings.Contains(m.message.Text, "Bonjour") || !strings.Contains(m.message.HTML, "Bonjour") {
		return fmt.Errorf("le courriel n'est pas en français : %.300s", m.message.Text)
	}
	return nil
}

func (w *world) openMailLink() error {
	link, err := w.mailLink()
	if err != nil {
		return err
	}
	return w.http.browse(link)
}

// openMailLinkWithForgedToken opens the mail's link with its jeton
// replaced by one ProConnect never gave.
func (w *world) openMailLinkWithForgedToken() error {
	link, err := w.mailLink()
	if err != nil {
		return err
	}
	u, err := url.Parse(link)
	if err != nil {
		return err
	}
	q := u.Query()
	q.Set("jeton", "falsifie"+randomHex(16))
	u.RawQuery = q.Encode()
	return w.http.browse(u.String())
}

func (w *world) checkProConnectPageShown(title string) error { return w.checkProConnectPage(title, 0) }

// checkPageSays looks for a text, {siren} expanded, in the page with its
// HTML entities decoded.
func (w *world) checkPageSays(s string) error {
	if !strings.Contains(html.UnescapeString(string(w.http.last.body)), w.expand(s)) {
		return fmt.Errorf("la page ne dit pas %q : %s", w.expand(s), w.http.last.describe())
	}
	return nil
}

// The mail server.

// stopMailServer makes the mail server refuse every message (it answers
// 451) until the scenario ends or restartMailServer.
func (w *world) stopMailServer() error {
	if err := w.needMailbox(); err != nil {
		return err
	}
	if err := w.needControl("arrête le serveur de courriel"); err != nil {
		return err
	}
	if err := w.needExclusive("arrête le serveur de courriel"); err != nil {
		return err
	}
	w.shared.smtpTouched = true
	_, err := w.controlAt(w.env.mailboxURL, http.MethodPost, "/smtp-outage", map[string]int{"messages": 1000000})
	return err
}

func (w *world) restartMailServer() error {
	_, err := w.controlAt(w.env.mailboxURL, http.MethodPost, "/smtp-outage", map[string]int{"messages": 0})
	return err
}

func (w *world) retrySendingLater() error {
	// the mailer retries with backoff; move its clock past the next attempt
	return w.advanceShared(10 * time.Minute)
}

// The contact email.

func (w *world) openContactPage() error { return w.http.browse(w.env.coreURL + "/contact") }

func (w *world) giveSIRENAndLogIn(siren, login string) error {
	if err := w.http.submitOnly(map[string]string{"siren": w.expand(siren)}); err != nil {
		return err
	}
	return w.franceConnectAs(login)
}

func (w *world) giveEmail(mail string) error {
	return w.http.submitOnly(map[string]string{"email": w.expand(mail)})
}

// referenceVerifiedContactEmail goes the dirigeant's whole way: the
// contact page, FranceConnect, the address, the mail, its link.
func (w *world) referenceVerifiedContactEmail(login, mail string) error {
	mail = w.expand(mail)
	before := 0
	if w.env.mailboxURL != "" {
		msgs, _ := w.messages(mail)
		before = len(msgs)
	}
	if err := w.http.browse(w.env.coreURL + "/contact"); err != nil {
		return err
	}
	if err := w.http.submitOnly(map[string]string{"siren": w.register.siren}); err != nil {
		return err
	}
	if err := w.franceConnectAs(login); err != nil {
		return err
	}
	if err := w.http.submitOnly(map[string]string{"email": mail}); err != nil {
		return err
	}
	if err := w.checkProConnectPage("Courriel envoyé", http.StatusOK); err != nil {
		return err
	}
	if err := w.waitMail(mail, before+1); err != nil {
		return err
	}
	link, err := w.mailLink()
	if err != nil {
		return err
	}
	if err := w.http.browse(link); err != nil {
		return err
	}
	return w.checkProConnectPage("Adresse vérifiée", http.StatusOK)
}

func (w *world) readContactEmailAsPortal() error {
	if err := w.ensureToken(); err != nil {
		return err
	}
	return w.api(http.MethodGet, "/companies/"+w.register.siren+"/contact-email", nil, w.core.apiToken)
}

// waitCompanyEvent waits for an event of that type about the scenario's
// company.
func (w *world) waitCompanyEvent(typ string) error {
	return w.waitEventWhere(typ, "company "+w.register.siren, func(d map[string]any) bool { return d["siren"] == w.register.siren })
}

func (w *world) waitContactEmailChanged(mail string) error {
	mail = w.expand(mail)
	return w.waitEventWhere("contact_email.changed", "company "+w.register.siren+" and "+mail, func(d map[string]any) bool {
		return d["siren"] == w.register.siren && d["contact_email"] == mail
	})
}

// Access requests, the portal's side.

func (w *world) fileAccessRequestFor(given, family, mail string) error {
	return w.fileAccessRequest(map[string]any{"siren": w.register.siren, "state": "etat-" + randomHex(4),
		"collaborator": map[string]string{"given_name": given, "family_name": family, "email": w.expand(mail)}})
}

// fileAccessRequestWith files an access request of a table | champ |
// valeur |, a collaborator.x field going into the collaborator.
func (w *world) fileAccessRequestWith(t *godog.Table) error {
	body := map[string]any{"siren": w.register.siren}
	col := map[string]any{}
	for i, row := range t.Rows {
		if len(row.Cells) != 2 {
			return fmt.Errorf("ligne %d : attendu | champ | valeur |", i+1)
		}
		k, v := row.Cells[0].Value, w.expand(row.Cells[1].Value)
		if i == 0 && k == "champ" {
			continue
		}
		if c, ok := strings.CutPrefix(k, "collaborator."); ok {
			col[c] = v
		} else {
			body[k] = v
		}
	}
	body["collaborator"] = col
	return w.fileAccessRequest(body)
}

func (w *world) readAccessRequest() error {
	if err := w.ensureToken(); err != nil {
		return err
	}
	return w.api(http.MethodGet, "/access-requests/"+w.mail.accessID, nil, w.core.apiToken)
}

// checkAccessRequestStatus reads the access request and checks its status.
func (w *world) checkAccessRequestStatus(want string) error {
	if err := w.readAccessRequest(); err != nil {
		return err
	}
	m, err := w.http.lastJSON()
	if err != nil {
		return err
	}
	if m["status"] != want {
		return fmt.Errorf("la demande d'accès %s est %v, attendu %s : %s", w.mail.accessID, m["status"], want, w.http.last.body)
	}
	return nil
}

// checkSameAccessRequest checks that the answer is the access request
// already filed (a request filed twice is one).
func (w *world) checkSameAccessRequest() error {
	m, err := w.http.lastJSON()
	if err != nil {
		return err
	}
	if m["id"] != w.mail.accessID {
		return fmt.Errorf("demande d'accès %v, attendu la première, %s", m["id"], w.mail.accessID)
	}
	return nil
}

func (w *world) waitAccessRequestEvent(typ string) error {
	return w.waitEventWhere(typ, "access request "+w.mail.accessID, w.accessMatch)
}

// expireAccessRequests runs ProConnect's expiry of the access requests
// left unanswered now.
func (w *world) expireAccessRequests() error { return w.coreControl("/expire", map[string]any{}) }

// Access requests, the dirigeant's side.

// logInWithFranceConnect submits the page's only form (« Se connecter avec
// FranceConnect ») and logs in if FranceConnect asks.
func (w *world) logInWithFranceConnect(login string) error {
	if err := w.http.submitOnly(nil); err != nil {
		return err
	}
	return w.franceConnectAs(login)
}

func (w *world) answerAccessRequest(how string) error {
	choice := "accepter"
	if how == "refuse" {
		choice = "refuser"
	}
	return w.http.submitOnly(map[string]string{"choix": choice})
}

// Helpers.

// needMailbox makes the scenario not applicable when the run has no
// mailbox to read ProConnect's mail from.
func (w *world) needMailbox() error {
	if w.env.mailboxURL == "" {
		w.env.notApplicable(w.name, "lit les courriels de ProConnect : donnez l'URL du récepteur de courriels (--mailbox-url)")
		return godog.ErrSkip
	}
	return nil
}

// mailboxGet reads the mailbox's API, with the control token when the run
// has one: the mailbox of a shared sandbox shows its messages only with it.
func (w *world) mailboxGet(raw string) (*exchange, error) {
	req, err := http.NewRequest(http.MethodGet, raw, nil)
	if err != nil {
		return nil, err
	}
	if w.controlToken() != "" {
		req.Header.Set("Authorization", "Bearer "+w.controlToken())
	}
	return w.http.backend.do(req)
}

// strayMailWait is how long a stray mail is given to arrive when the core
// has no control API to say what it still has to send.
const strayMailWait = 300 * time.Millisecond

// mailSettled returns once nothing more to a recipient is on its way from
// ProConnect: every mail to it in the core's outbox (GET
// /__sandbox/mails?to=) is sent or abandoned, or its last attempt failed
// and it waits for a retry; none is claimed but untried, none is in an SMTP
// session. A mail the core has sent has reached the mailbox (the SMTP
// server acknowledged it), so a count read afterwards sees it. Without the
// core's control API, it leaves a stray mail strayMailWait to arrive.
func (w *world) mailSettled(to string) error {
	if !w.env.control || w.env.noControl[baseOf(w.env.coreURL)] {
		time.Sleep(strayMailWait)
		return nil
	}
	return w.eventually(8*time.Second, 10*time.Millisecond, func() (bool, error) {
		e, err := w.controlAt(w.env.coreURL, http.MethodGet, "/mails?to="+url.QueryEscape(to), nil)
		if err != nil {
			return true, err
		}
		var out struct {
			Mails []struct {
				ID          string     `json:"id"`
				Attempts    int        `json:"attempts"`
				LastError   string     `json:"last_error"`
				SentAt      *time.Time `json:"sent_at"`
				AbandonedAt *time.Time `json:"abandoned_at"`
				Sending     bool       `json:"sending"`
			}
		}
		if e.status != http.StatusOK || json.Unmarshal(e.body, &out) != nil {
			return true, fmt.Errorf("la file des courriels de ProConnect : %s", e.describe())
		}
		for _, m := range out.Mails {
			done := m.SentAt != nil || m.AbandonedAt != nil
			waitsRetry := m.Attempts > 0 && m.LastError != ""
			if !done && (m.Sending || !waitsRetry) {
				return false, fmt.Errorf("ProConnect envoie encore le courriel %s à %s après 8 s", m.ID, to)
			}
		}
		return true, nil
	})
}

// messages lists the mailbox's messages to a recipient.
func (w *world) messages(to string) ([]mailMessage, error) {
	e, err := w.mailboxGet(w.env.mailboxURL + "/api/messages?to=" + url.QueryEscape(to))
	if err != nil {
		return nil, err
	}
	var out struct{ Messages []mailMessage }
	if e.status != http.StatusOK || json.Unmarshal(e.body, &out) != nil {
		return nil, fmt.Errorf("le récepteur de courriels : %s", e.describe())
	}
	return out.Messages, nil
}

// waitMail waits for the n-th message to a recipient (ProConnect sends its
// mail asynchronously, retrying when the server refuses).
func (w *world) waitMail(to string, n int) error {
	if err := w.needMailbox(); err != nil {
		return err
	}
	return w.eventually(8*time.Second, 50*time.Millisecond, func() (bool, error) {
		msgs, err := w.messages(to)
		if err != nil {
			return true, err
		}
		if len(msgs) < n {
			return false, fmt.Errorf("%d message(s) pour %s après 8 s, attendu %d", len(msgs), to, n)
		}
		e, err := w.mailboxGet(w.env.mailboxURL + "/api/messages/" + url.PathEscape(msgs[n-1].ID))
		if err != nil {
			return true, err
		}
		var m mailMessage
		if e.status != http.StatusOK || json.Unmarshal(e.body, &m) != nil {
			return true, fmt.Errorf("le message du récepteur : %s", e.describe())
		}
		w.mail.message = &m
		return true, nil
	})
}

// mailLink is the link of the last mail that leads to ProConnect.
func (w *world) mailLink() (string, error) {
	if w.mail.message == nil {
		return "", fmt.Errorf("aucun courriel lu pour l'instant")
	}
	for _, l := range w.mail.message.Links {
		if strings.HasPrefix(l, w.env.coreURL+"/") {
			return l, nil
		}
	}
	return "", fmt.Errorf("le courriel n'a aucun lien vers ProConnect (%s) : %v", w.env.coreURL, w.mail.message.Links)
}

// franceConnectAs logs in at FranceConnect if it asks (it may remember the
// person), and lands back on ProConnect.
func (w *world) franceConnectAs(login string) error {
	login = w.expand(login)
	if _, ok := loginForm(w.http.last.body); ok {
		return w.loginAs(login, w.password(login))
	}
	return nil
}

// checkProConnectPage checks ProConnect's page: its h1, and its status
// unless status is 0.
func (w *world) checkProConnectPage(title string, status int) error {
	b := html.UnescapeString(string(w.http.last.body))
	if !strings.Contains(b, "<h1>"+title) {
		return fmt.Errorf("la page n'est pas %q : %s", title, w.http.last.describe())
	}
	if status != 0 && w.http.last.status != status {
		return fmt.Errorf("la page %q a le statut %d, attendu %d", title, w.http.last.status, status)
	}
	return nil
}

// fileAccessRequest files an access request as the scenario's portal.
func (w *world) fileAccessRequest(body map[string]any) error {
	if err := w.ensureToken(); err != nil {
		return err
	}
	if err := w.api(http.MethodPost, "/access-requests", body, w.core.apiToken); err != nil {
		return err
	}
	if w.http.last.status == http.StatusAccepted {
		var out struct{ ID string }
		_ = json.Unmarshal(w.http.last.body, &out)
		w.mail.accessID = out.ID
	}
	return nil
}

// accessMatch says whether an event's data are about the scenario's access
// request.
func (w *world) accessMatch(d map[string]any) bool { return d["access_request_id"] == w.mail.accessID }
