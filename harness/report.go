package harness

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// collectExchanges reads the scenario's exchanges from every component's
// journal it can reach (a component without control API adds nothing).
func (w *world) collectExchanges() []Exchange {
	var out []Exchange
	for _, base := range w.env.journalBases() {
		u := base + "/__sandbox/journal?limit=4096&scenario=" + url.QueryEscape(w.trace)
		req, err := http.NewRequest(http.MethodGet, u, nil)
		if err != nil {
			continue
		}
		if w.controlToken() != "" {
			req.Header.Set("Authorization", "Bearer "+w.controlToken())
		}
		resp, err := (&http.Client{Transport: w.env.transport, Timeout: 5 * time.Second}).Do(req)
		if err != nil {
			continue
		}
		var body struct{ Entries []Exchange }
		if resp.StatusCode == http.StatusOK {
			_ = json.NewDecoder(resp.Body).Decode(&body)
		}
		resp.Body.Close()
		out = append(out, body.Entries...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out
}

// journalBases are the components whose journals the report reads.
func (e *suiteEnv) journalBases() []string {
	seen := map[string]bool{}
	var out []string
	add := func(u string) {
		if u == "" {
			return
		}
		p, err := url.Parse(u)
		if err != nil {
			return
		}
		base := p.Scheme + "://" + p.Host
		if !seen[base] && !e.noControl[base] {
			seen[base] = true
			out = append(out, base)
		}
	}
	add(e.coreURL)
	add(e.fcURL)
	add(e.sireneURL)
	add(e.pisteURL)
	add(e.mailboxURL)
	add(e.portal.EventsURL)
	return out
}

// noteExchange keeps an exchange of the suite with the portal under test.
func (w *world) noteExchange(e *exchange, reqBody []byte) {
	if w.env.details == nil {
		return
	}
	x := PortalExchange{Time: e.at, Method: e.method, URL: redacted(e.url), Status: e.status,
		Answer: visibleText(e.body, 200), DurationMS: float64(e.took.Microseconds()) / 1000}
	if e.isRedirect() {
		x.Answer = "→ " + redacted(e.location())
	}
	if len(reqBody) > 0 {
		x.Sent = describeBody(reqBody)
	}
	w.http.mu.Lock()
	w.http.portalLog = append(w.http.portalLog, x)
	w.http.mu.Unlock()
}

// describeBody says what a request body was: for an event (a compact JWS),
// its header and event type; else its beginning. Personal data stay out.
func describeBody(b []byte) string {
	raw := strings.TrimSpace(string(b))
	if parts := strings.Split(raw, "."); len(parts) == 3 && !strings.ContainsAny(raw, " {") {
		h, c, err := decodeJWS(raw)
		if err == nil {
			typ, _ := c["event_type"].(string)
			delete(h, "jwk")
			delete(h, "x5c")
			hb, _ := json.Marshal(h)
			return fmt.Sprintf("JWS %s, event_type %s", hb, typ)
		}
	}
	if len(raw) > 120 {
		raw = raw[:120] + "…"
	}
	if strings.HasPrefix(raw, "{") {
		return "JSON (" + fmt.Sprint(len(b)) + " octets)"
	}
	return raw
}

// collectDeliveries reads ProConnect's delivery attempts about what the
// scenario touched (its certifications, access requests, company).
func (w *world) collectDeliveries() []Delivery {
	if w.env.coreURL == "" || w.env.noControl[baseOf(w.env.coreURL)] || !w.env.control {
		return nil
	}
	subjects := map[string]bool{}
	for _, s := range []string{w.core.certID, w.portal.certID, w.mail.accessID} {
		if s != "" {
			subjects[s] = true
		}
	}
	q := url.Values{}
	switch {
	case w.core.portal != "": // the proconnect suite's own portal: every event
		q.Set("portal", w.core.portal)
	case len(subjects) > 0:
		q.Set("portal", w.env.portal.ClientID)
	default:
		return nil
	}
	e, err := w.controlAt(w.env.coreURL, http.MethodGet, "/attempts?"+q.Encode(), nil)
	if err != nil {
		return nil
	}
	var out struct{ Attempts []Delivery }
	if json.Unmarshal(e.body, &out) != nil {
		return nil
	}
	var list []Delivery
	for _, a := range out.Attempts {
		keep := w.core.portal != ""
		for _, s := range a.Subjects {
			keep = keep || subjects[s]
		}
		if keep {
			list = append(list, a)
		}
	}
	return list
}
