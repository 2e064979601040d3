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

// The portal under test, as the portail suite observes it: the URLs of its
// declaration (docs/contrat-portail.md, section 5), what the components'
// journals saw of its calls, and its pages.

// declaration is the portal under test's declaration.
func (w *world) declaration() portalDeclaration { return w.env.portal }

// notDeclared makes the scenario not applicable for want of a declared URL.
func (w *world) notDeclared(key string) error {
	w.env.notApplicable(w.name, "le portail ne déclare pas de "+key)
	return godog.ErrSkip
}

// portalErr adds to a failing step what the sandbox saw of the portal's own
// calls (a refused PISTE token, a ProConnect problem): often the cause.
func (w *world) portalErr(err error) error {
	if err == nil || errors.Is(err, godog.ErrSkip) {
		return err
	}
	if why := w.portalDiagnosis(); why != "" {
		return fmt.Errorf("%w\n  ce que le bac à sable a vu des appels du portail : %s", err, why)
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
		out = append(out, "le navigateur a refusé un cookie, comme Chromium le ferait : "+r)
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
			if (e.Client != id && e.Claimed != id) || e.Status < 400 || e.Time.Before(w.began.Add(-time.Second)) {
				continue
			}
			// other scenarios run at the same time: a business refusal (a
			// 409, a 404) is theirs unless tagged with this scenario; a
			// refused token or registration (401, 403) hits every scenario
			if e.Scenario != w.trace && e.Status != http.StatusUnauthorized && e.Status != http.StatusForbidden {
				continue
			}
			line := fmt.Sprintf("%s a répondu %[4]d à l'appel %[2]s %[3]s du portail", c.name, e.Method, e.Path, e.Status)
			if e.Answer != "" {
				line += " " + e.Answer
			}
			if c.name == "PISTE" && e.Path == "/api/oauth/token" {
				line += " — la demande de jeton du portail a échoué : vérifiez son client_id et son client_secret d'après la déclaration, et qu'il a été enregistré"
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
		return nil, fmt.Errorf("journal de %s : %w", base, err)
	}
	return out.Entries, nil
}

// markJournal remembers where a component's journal stands, to count the
// exchanges that follow.
func (w *world) markJournal(base string) error {
	if err := w.needControl("compte les échanges dans les journaux des composants"); err != nil {
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
		return 0, fmt.Errorf("le scénario n'a pas commencé à compter chez %s", base)
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
		return "", nil, errors.New("aucune certification sur laquelle interroger le portail : le navigateur n'est jamais passé par ProConnect")
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
		return "", nil, fmt.Errorf("status_url : attendu 200 et {\"account_state\": …} ; reçu : %s", e.describe())
	}
	return out.AccountState, out.EventsApplied, nil
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
		return nil, fmt.Errorf("PISTE n'a donné aucun jeton pour les identifiants du portail déclaré : %s", w.http.last.describe())
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
		return nil, fmt.Errorf("les livraisons de ProConnect : %w", err)
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
