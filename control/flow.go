package control

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// FlowHeader carries the correlation tag of one certification from a
// component to the next, as ScenarioHeader carries a scenario's: the
// exchanges of one certification, across every component, can then be
// drawn together (the reference portal's flow picture).
const FlowHeader = "X-Sandbox-Flow"

// FromHeader names the sandbox component that makes a call; a call without
// it came from a browser or a client outside the sandbox.
const FromHeader = "X-Sandbox-From"

// Message is one side of a recorded exchange: its headers and the
// beginning of its body, secrets masked (see Kit.Details).
type Message struct {
	Headers []HeaderLine `json:"headers,omitempty"`
	// Body is the beginning of the body, masked; a page or a binary body is
	// only described ("[page HTML, 1234 octets]").
	Body string `json:"body,omitempty"`
	// Size is the body's size in bytes, as far as it was read.
	Size int `json:"size,omitempty"`
}

// HeaderLine is one header of a Message.
type HeaderLine struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// bodyKept is how much of a request's or an answer's body an entry keeps.
const bodyKept = 2048

// Masked is what replaces a secret in a recorded exchange.
const Masked = "[redacted]"

// NoteFlow records, in the journal entry of the request ctx belongs to, the
// flow (certification) the exchange belongs to, and tags the calls the
// component makes while serving it (PropagateFrom).
func NoteFlow(ctx context.Context, flow string) {
	if n := notesFrom(ctx); n != nil && flow != "" {
		n.flow = flow
	}
}

type flowKey struct{}

// WithFlow returns ctx carrying a flow tag for outgoing calls (see
// FlowHeader), outside any request being served (an event pushed later).
func WithFlow(ctx context.Context, flow string) context.Context {
	return context.WithValue(ctx, flowKey{}, flow)
}

// FlowFrom returns the flow tag ctx carries (WithFlow, NoteFlow, or the
// header of the request being served), or "".
func FlowFrom(ctx context.Context) string {
	if f, ok := ctx.Value(flowKey{}).(string); ok {
		return f
	}
	if n := notesFrom(ctx); n != nil {
		return n.flow
	}
	return ""
}

// PropagateFrom wraps a component's outgoing transport: its calls carry the
// scenario and flow tags of the request being served (see
// PropagateScenario) and the component's name (FromHeader).
func PropagateFrom(component string, base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return scenarioTransport{base: base, from: component}
}

// stateLink is a short fingerprint of the state parameter of a query, or "".
func stateLink(rawQuery string) string {
	if !strings.Contains(rawQuery, "state=") {
		return ""
	}
	v, err := url.ParseQuery(rawQuery)
	if err != nil || v.Get("state") == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(v.Get("state")))
	return hex.EncodeToString(sum[:6])
}

// locationLink is stateLink of a Location header's query.
func locationLink(loc string) string {
	if _, q, ok := strings.Cut(loc, "?"); ok {
		q, _, _ = strings.Cut(q, "#")
		return stateLink(q)
	}
	return ""
}

// captureBody keeps the beginning of a request body as the handler reads it.
type captureBody struct {
	io.ReadCloser
	kept []byte
	size int
}

func (c *captureBody) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	c.size += n
	if room := bodyKept - len(c.kept); room > 0 && n > 0 {
		c.kept = append(c.kept, p[:min(n, room)]...)
	}
	return n, err
}

// secretHeader says whether a header is masked in recorded exchanges:
// credentials of any scheme, API keys, tokens, cookies (an authorization
// keeps its scheme, a cookie its name).
func secretHeader(name string) bool {
	n := strings.ToLower(name)
	for _, w := range []string{"auth", "key", "token", "secret", "cookie", "password", "dpop", "session"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// maskHeaders returns h's lines, sorted, secrets masked.
func maskHeaders(h http.Header) []HeaderLine {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	slices.Sort(names)
	var out []HeaderLine
	for _, k := range names {
		for _, v := range h[k] {
			out = append(out, HeaderLine{Name: k, Value: maskHeader(k, v)})
		}
	}
	return out
}

func maskHeader(name, v string) string {
	switch {
	case name == "Location":
		return redactLocation(v)
	case name == "Cookie":
		var parts []string
		for c := range strings.SplitSeq(v, ";") {
			k, _, _ := strings.Cut(strings.TrimSpace(c), "=")
			parts = append(parts, k+"="+Masked)
		}
		return strings.Join(parts, "; ")
	case name == "Set-Cookie":
		k, rest, _ := strings.Cut(v, "=")
		_, attrs, _ := strings.Cut(rest, ";")
		if attrs != "" {
			return k + "=" + Masked + ";" + attrs
		}
		return k + "=" + Masked
	case secretHeader(name):
		if scheme, _, ok := strings.Cut(v, " "); ok {
			return scheme + " " + Masked
		}
		return Masked
	}
	return v
}

// secretKeys are masked in JSON bodies and JWT claims: secrets, and the
// personal data the journal never keeps (names, emails, birth data).
var secretKeys = func() map[string]bool {
	m := map[string]bool{"sub": true, "birthplace": true, "birthcountry": true, "preferred_username": true,
		"contact_email": true, "dirigeant_email": true, "jti_secret": true, "assertion": true, "private_key": true, "d": true}
	for _, k := range secretParams {
		m[k] = true
	}
	return m
}()

// MaskBody describes a body for the journal: a form or JSON with its
// secrets masked, a JWT with its signature dropped and its claims masked,
// a page or a binary body by its kind and size.
func MaskBody(contentType string, b []byte, size int) string {
	if size == 0 && len(b) == 0 {
		return ""
	}
	ct, _, _ := strings.Cut(strings.ToLower(contentType), ";")
	ct = strings.TrimSpace(ct)
	raw := bytes.TrimSpace(b)
	truncated := size > len(b)
	switch {
	case ct == "application/x-www-form-urlencoded":
		return Redact(string(raw))
	case strings.HasSuffix(ct, "json") && !truncated:
		var v any
		if json.Unmarshal(raw, &v) == nil {
			out, _ := json.MarshalIndent(maskJSON(v), "", "  ")
			return string(out)
		}
		return fmt.Sprintf("[JSON illisible, %d octets]", size)
	case strings.HasSuffix(ct, "json"):
		return fmt.Sprintf("[JSON de %d octets, trop long pour être montré masqué]", size)
	case strings.HasSuffix(ct, "jwt") || strings.HasSuffix(ct, "jose") || looksLikeJWS(raw):
		return maskJWS(string(raw))
	case ct == "text/html":
		return fmt.Sprintf("[page HTML, %d octets]", size)
	case ct == "text/plain" && !truncated:
		return strings.ToValidUTF8(string(raw), "�")
	}
	return fmt.Sprintf("[%s, %d octets]", cmpOr(ct, "contenu"), size)
}

func cmpOr(a, b string) string {
	if a == "" {
		return b
	}
	return a
}

func looksLikeJWS(b []byte) bool {
	return bytes.Count(b, []byte(".")) == 2 && !bytes.ContainsAny(b, " {\"=&")
}

// maskJWS shows a compact JWS's header and claims, secrets masked, and
// drops its signature (an encrypted JWE shows only its header).
func maskJWS(raw string) string {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 && len(parts) != 5 {
		return fmt.Sprintf("[jeton, %d octets]", len(raw))
	}
	var out []string
	for i, p := range parts[:min(len(parts), 2)] {
		seg, err := base64.RawURLEncoding.DecodeString(p)
		var v any
		if err != nil || json.Unmarshal(seg, &v) != nil || (i == 1 && len(parts) == 5) {
			out = append(out, Masked)
			continue
		}
		j, _ := json.MarshalIndent(maskJSON(v), "", "  ")
		out = append(out, string(j))
	}
	return "JWS, en-tête :\n" + out[0] + "\nrevendications :\n" + out[1] + "\nsignature : " + Masked
}

// personalKey says whether a JSON key (lower case) names a person's data
// in the registers' answers (INSEE Sirene, RNE, API Entreprise: nom,
// prenoms, dateDeNaissance, lieu_naissance, sexe…) or in OpenID Connect's.
func personalKey(k string) bool {
	if k == "nom" || strings.HasPrefix(k, "nom") && !strings.HasPrefix(k, "nomenclature") && !strings.HasPrefix(k, "nombre") {
		return true
	}
	for _, w := range []string{"prenom", "naissance", "birth", "email", "courriel", "pseudonyme", "given_name", "family_name"} {
		if strings.Contains(k, w) {
			return true
		}
	}
	switch k {
	case "sexe", "sexeunitelegale", "genre", "gender", "telephone", "phone_number", "address", "adresse_postale":
		return true
	}
	return false
}

// maskJSON masks, at any depth, the values of secret keys; a string that is
// itself a JWT is masked too.
func maskJSON(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if lk := strings.ToLower(k); secretKeys[lk] || personalKey(lk) {
				t[k] = Masked
				continue
			}
			t[k] = maskJSON(x)
		}
	case []any:
		for i, x := range t {
			t[i] = maskJSON(x)
		}
	case string:
		if looksLikeJWS([]byte(t)) && len(t) > 40 {
			return Masked
		}
	}
	return v
}

// recordedContent says whether a body of that type is worth keeping the
// beginning of (text, forms, JSON, JWTs): a page or a file is only counted.
func recordedContent(contentType string) bool {
	ct := strings.ToLower(contentType)
	return strings.Contains(ct, "json") || strings.Contains(ct, "form-urlencoded") || strings.Contains(ct, "jwt") ||
		strings.Contains(ct, "jose") || strings.HasPrefix(ct, "text/plain")
}
