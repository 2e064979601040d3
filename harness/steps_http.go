package harness

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cucumber/godog"
)

// The generic steps: what several suites check of an HTTP answer (its
// status, headers, JSON body, page), and the browser's moves they share.

// httpState is the HTTP part of a scenario: the person's browser, the
// backend's calls, and what the last exchange gave.
type httpState struct {
	browser *driver
	backend *driver // server-to-server calls (no cookies shared with the browser)

	last     *exchange
	callback *url.URL      // where the browser came back to a service
	code     string        // the code the callback carried
	elapsed  time.Duration // how long the last timed exchange took (a login, an event sent)

	// portalLog is the suite's exchanges with the portal under test (for
	// the report); mu guards it (a step may poll while another browser
	// runs).
	mu        sync.Mutex
	portalLog []PortalExchange
}

// jsonValue matches a JSON literal in a step: a string, an array, a number,
// true, false or null.
const jsonValue = `("(?:[^"\\]|\\.)*"|\[.*\]|-?\d+(?:\.\d+)?|true|false|null)`

// registerHTTP binds the steps several suites use to check an answer.
func registerHTTP(reg *stepRegistry, w *world) {
	reg.step(`^la réponse a le statut (\d+)$`, w.http.checkStatus)
	reg.step(`^l'en-tête "([^"]*)" vaut "([^"]*)"$`, w.http.checkHeader)
	reg.step(`^l'en-tête "([^"]*)" commence par "([^"]*)"$`, w.http.checkHeaderPrefix)
	reg.step(`^aucun cookie n'est déposé$`, w.http.checkNoCookie)
	reg.step(`^la réponse JSON contient exactement les clés "([^"]*)"$`, w.http.checkJSONKeys)
	reg.step(`^la réponse JSON a "([^"]*)" égal à `+jsonValue+`$`, w.checkJSONValue)
	reg.step(`^la réponse JSON a "([^"]*)" qui (contient|ne contient pas) "([^"]*)"$`, w.http.checkJSONList)
	reg.step(`^la réponse JSON n'a pas la clé "([^"]*)"$`, w.http.checkJSONLacks)
	reg.step(`^l'objet JSON "([^"]*)" contient exactement les clés "([^"]*)"$`, w.http.checkJSONObjectKeys)
	reg.step(`^la réponse JSON contient :$`, w.checkJSONTable)
	reg.step(`^la page contient "([^"]*)"$`, w.http.checkPageContains)
	reg.step(`^chaque clé du JWKS a "use" égal à "sig" et un "alg" parmi "([^"]*)"$`, w.http.checkJWKSSigningKeys)
}

func (h *httpState) checkStatus(code int) error {
	if h.last.status != code {
		return fmt.Errorf("statut %d attendu ; reçu : %s", code, h.last.describe())
	}
	return nil
}

func (h *httpState) checkHeader(name, value string) error {
	if got := h.last.header.Get(name); got != value {
		return fmt.Errorf("en-tête %s = %q, attendu %q", name, got, value)
	}
	return nil
}

func (h *httpState) checkHeaderPrefix(name, prefix string) error {
	if got := h.last.header.Get(name); !strings.HasPrefix(got, prefix) {
		return fmt.Errorf("en-tête %s = %q, attendu commençant par %q", name, got, prefix)
	}
	return nil
}

func (h *httpState) checkNoCookie() error {
	if c := h.last.header.Values("Set-Cookie"); len(c) > 0 {
		return fmt.Errorf("la réponse dépose des cookies : %v", c)
	}
	return nil
}

func (h *httpState) checkJSONKeys(list string) error {
	m, err := h.lastJSON()
	if err != nil {
		return err
	}
	return exactKeys("the JSON answer", m, list)
}

// checkJSONValue compares a value of the JSON answer, {siren} expanded in
// the expected literal.
func (w *world) checkJSONValue(path, literal string) error {
	m, err := w.http.lastJSON()
	if err != nil {
		return err
	}
	return hasValue("the JSON answer", m, path, w.expand(literal))
}

// checkJSONList checks that a list of the JSON answer contains (or not)
// each of a comma-separated list of values.
func (h *httpState) checkJSONList(key, how, list string) error {
	m, err := h.lastJSON()
	if err != nil {
		return err
	}
	arr, _ := m[key].([]any)
	have := map[string]bool{}
	for _, v := range arr {
		have[fmt.Sprint(v)] = true
	}
	for _, want := range splitList(list) {
		if have[want] != (how == "contient") {
			return fmt.Errorf("%q %s %q : il vaut %v", key, how, want, arr)
		}
	}
	return nil
}

func (h *httpState) checkJSONLacks(path string) error {
	m, err := h.lastJSON()
	if err != nil {
		return err
	}
	if _, ok := jsonAt(m, path); ok {
		return fmt.Errorf("la réponse JSON a %q", path)
	}
	return nil
}

func (h *httpState) checkJSONObjectKeys(path, list string) error {
	m, err := h.lastJSON()
	if err != nil {
		return err
	}
	v, _ := jsonAt(m, path)
	obj, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("%q n'est pas un objet dans la réponse", path)
	}
	return exactKeys(path, obj, list)
}

// checkJSONTable compares the values of a table | chemin | valeur JSON |
// (its header row optional), {siren} expanded.
func (w *world) checkJSONTable(t *godog.Table) error {
	m, err := w.http.lastJSON()
	if err != nil {
		return err
	}
	for i, row := range t.Rows {
		if len(row.Cells) != 2 {
			return fmt.Errorf("ligne %d : attendu | chemin | valeur JSON |", i+1)
		}
		if i == 0 && row.Cells[0].Value == "chemin" {
			continue
		}
		if err := hasValue("the JSON answer", m, row.Cells[0].Value, w.expand(row.Cells[1].Value)); err != nil {
			return err
		}
	}
	return nil
}

func (h *httpState) checkPageContains(s string) error {
	if !strings.Contains(string(h.last.body), s) {
		return fmt.Errorf("la page ne contient pas %q : %s", s, h.last.describe())
	}
	return nil
}

// checkJWKSSigningKeys checks every key of the JWKS answered: a signing
// key, of one of the algorithms listed.
func (h *httpState) checkJWKSSigningKeys(list string) error {
	set, err := h.lastJSON()
	if err != nil {
		return err
	}
	keys, _ := set["keys"].([]any)
	if len(keys) == 0 {
		return fmt.Errorf("le JWKS n'a aucune clé")
	}
	for _, k := range keys {
		m, _ := k.(map[string]any)
		if m["use"] != "sig" || !strings.Contains(","+strings.ReplaceAll(list, " ", "")+",", fmt.Sprintf(",%v,", m["alg"])) {
			return fmt.Errorf("clé %v : use %v, alg %v", m["kid"], m["use"], m["alg"])
		}
	}
	return nil
}

// call sends a request through the backend driver and keeps the answer.
func (w *world) call(method, rawURL string, header map[string]string, body []byte) error {
	if err := w.controlGate(rawURL); err != nil {
		return err
	}
	req, err := http.NewRequest(method, rawURL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	// every control call carries the sandbox's token, when there is one
	if strings.HasPrefix(req.URL.Path, "/__sandbox/") && w.controlToken() != "" && req.Header.Get("Authorization") == "" {
		req.Header.Set("Authorization", "Bearer "+w.controlToken())
	}
	e, err := w.http.backend.do(req)
	if err != nil {
		return err
	}
	w.http.last = e
	return w.outOfScope(e)
}

// lastJSON decodes the last answer, a JSON object.
func (h *httpState) lastJSON() (map[string]any, error) {
	var m map[string]any
	if err := json.Unmarshal(h.last.body, &m); err != nil {
		return nil, fmt.Errorf("la réponse n'est pas un objet JSON : %s", h.last.describe())
	}
	return m, nil
}

// land records where the browser ended: a page, or the service's callback.
func (h *httpState) land(e *exchange) {
	h.last = e
	if e.isRedirect() && !h.browser.isHome(e.location()) {
		h.callback = e.location()
		h.code = h.callback.Query().Get("code")
	}
}

// click follows the link of the current page whose text is text, as a
// person would.
func (h *httpState) click(text string) error {
	hrefs := links(h.last.body, text)
	if len(hrefs) == 0 {
		return fmt.Errorf("aucun lien %q sur la page : %s", text, h.last.describe())
	}
	target, err := h.last.url.Parse(hrefs[0])
	if err != nil {
		return err
	}
	e, err := h.browser.open(target.String())
	if err != nil {
		return err
	}
	h.land(e)
	return nil
}

// browse opens a page in the person's browser.
func (h *httpState) browse(raw string) error {
	h.callback = nil
	e, err := h.browser.open(raw)
	if err != nil {
		return err
	}
	h.land(e)
	return nil
}

// submitOnly submits the single form of the current page with values.
func (h *httpState) submitOnly(values map[string]string) error {
	fs := forms(h.last.body)
	if len(fs) != 1 {
		return fmt.Errorf("%d formulaires sur la page, 1 attendu : %s", len(fs), h.last.describe())
	}
	h.callback = nil
	e, err := h.browser.submit(h.last, fs[0], values)
	if err != nil {
		return err
	}
	h.land(e)
	return nil
}

// basic is the credentials of an HTTP Basic Authorization header, each
// part form-encoded first as OAuth asks (RFC 6749, section 2.3.1).
func basic(user, pass string) string {
	return base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(user) + ":" + url.QueryEscape(pass)))
}

// jsonEqual compares a decoded JSON value with a JSON literal.
func jsonEqual(got any, literal string) (bool, error) {
	var want any
	if err := json.Unmarshal([]byte(literal), &want); err != nil {
		return false, fmt.Errorf("la valeur attendue %s n'est pas du JSON : %w", literal, err)
	}
	g, _ := json.Marshal(got)
	wb, _ := json.Marshal(want)
	return bytes.Equal(g, wb), nil
}

func keysOf(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

// exactKeys checks that m has the keys of a comma-separated list, no
// more, no fewer.
func exactKeys(what string, m map[string]any, list string) error {
	want := splitList(list)
	got := keysOf(m)
	if !slices.Equal(got, want) {
		return fmt.Errorf("%s a les clés %v, attendu exactement %v", what, got, want)
	}
	return nil
}

// hasValue checks the value at a path of m against a JSON literal.
func hasValue(what string, m map[string]any, key, literal string) error {
	v, ok := jsonAt(m, key)
	if !ok {
		return fmt.Errorf("%s n'a pas %q (clés : %v)", what, key, keysOf(m))
	}
	eq, err := jsonEqual(v, literal)
	if err != nil {
		return err
	}
	if !eq {
		g, _ := json.Marshal(v)
		return fmt.Errorf("%s %q = %s, attendu %s", what, key, g, literal)
	}
	return nil
}

// jsonAt resolves a path such as "uniteLegale.periodesUniteLegale[0].dateFin"
// in a decoded JSON value.
func jsonAt(v any, path string) (any, bool) {
	for _, seg := range strings.Split(path, ".") {
		name, rest, _ := strings.Cut(seg, "[")
		if name != "" {
			m, ok := v.(map[string]any)
			if !ok {
				return nil, false
			}
			if v, ok = m[name]; !ok {
				return nil, false
			}
		}
		for rest != "" {
			idx, after, ok := strings.Cut(rest, "]")
			if !ok {
				return nil, false
			}
			list, isList := v.([]any)
			n, err := strconv.Atoi(idx)
			if !isList || err != nil || n < 0 || n >= len(list) {
				return nil, false
			}
			v = list[n]
			rest = strings.TrimPrefix(after, "[")
		}
	}
	return v, true
}
