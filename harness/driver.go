package harness

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/html"

	"github.com/proconnect-sandbox/proconnect-sandbox/control"
)

// exchange is one HTTP answer as a step sees it.
type exchange struct {
	status int
	header http.Header
	body   []byte
	url    *url.URL // the request URL
	method string
	at     time.Time
	took   time.Duration
}

// describe says what a step met, for its error: the status, the URL, and
// the page's visible text (or the beginning of another answer).
func (e *exchange) describe() string {
	if e == nil {
		return "aucune réponse"
	}
	if e.isRedirect() {
		return fmt.Sprintf("statut %d pour %s %s, redirection vers %s", e.status, e.method, redacted(e.url), redacted(e.location()))
	}
	text := visibleText(e.body, 400)
	if text == "" {
		return fmt.Sprintf("statut %d pour %s %s, réponse vide", e.status, e.method, redacted(e.url))
	}
	return fmt.Sprintf("statut %d pour %s %s : « %s »", e.status, e.method, redacted(e.url), text)
}

// redacted is u with its secret and personal query parameters masked, as
// the components' journals mask them.
func redacted(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	c.RawQuery = control.Redact(c.RawQuery)
	c.User = nil
	return c.String()
}

// visibleText is what a person sees of an HTML page's content (no head,
// script or style, nor the header, footer and navigation every page shares;
// white space collapsed), or the beginning of any other answer, cut
// to limit characters.
func visibleText(body []byte, limit int) string {
	trimmed := bytes.TrimSpace(body)
	var text string
	if len(trimmed) > 0 && trimmed[0] == '<' {
		doc, err := html.Parse(bytes.NewReader(trimmed))
		if err == nil {
			var b strings.Builder
			var walk func(n *html.Node)
			walk = func(n *html.Node) {
				if n.Type == html.ElementNode {
					switch n.Data {
					case "head", "script", "style", "noscript", "template":
						return
					case "header", "footer", "nav":
						// every page's frame (the service's name, the
						// sandbox notice, the skip links): the page's
						// own words come first in a failing step
						return
					}
				}
				if n.Type == html.TextNode {
					b.WriteString(n.Data)
					b.WriteByte(' ')
				}
				for c := n.FirstChild; c != nil; c = c.NextSibling {
					walk(c)
				}
			}
			walk(doc)
			text = b.String()
		}
	} else {
		text = string(trimmed)
	}
	text = strings.Join(strings.Fields(strings.ToValidUTF8(text, "�")), " ")
	if r := []rune(text); len(r) > limit {
		text = string(r[:limit]) + "…"
	}
	return text
}

// location returns the resolved Location header, or nil.
func (e *exchange) location() *url.URL {
	loc := e.header.Get("Location")
	if loc == "" {
		return nil
	}
	u, err := e.url.Parse(loc)
	if err != nil {
		return nil
	}
	return u
}

func (e *exchange) isRedirect() bool { return e.status >= 300 && e.status < 400 && e.location() != nil }

// driver plays the person's browser: it keeps cookies as Chromium does
// (cookieStore), follows redirections within the sandbox's own hosts, and
// stops where the browser would leave for a service (whose callback nobody
// needs to serve).
type driver struct {
	client   *http.Client
	jar      *cookieStore
	scenario string
	// from is the page the current navigation started from (nil: an
	// address typed): what SameSite cookies depend on.
	from *url.URL
	// refused lists the cookies the browser refused, and why.
	refused []string
	// siteOf, when set, names the site of an origin for SameSite: each
	// sandbox component is a site of its own, as in production, though all
	// are served on localhost.
	siteOf func(*url.URL) string
	// home lists the origins the browser follows redirections within.
	home []string
	// stop, when set, says where the browser stops instead of following a
	// redirection (a scenario catches the way back to the portal).
	stop func(*url.URL) bool
	// chain is every URL the last navigation went through.
	chain []*url.URL
	// seen, when set, is told of every exchange (the report keeps those
	// with the portal under test).
	seen func(e *exchange, reqBody []byte)
}

func newDriver(transport http.RoundTripper, scenario string, home ...string) *driver {
	return &driver{
		client: &http.Client{Transport: transport,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		jar: newCookieStore(), scenario: scenario, home: home,
	}
}

const maxBody = 4 << 20

func (d *driver) do(req *http.Request) (*exchange, error) {
	req.Header.Set(control.ScenarioHeader, d.scenario)
	var reqBody []byte
	if d.seen != nil && req.GetBody != nil {
		if rc, err := req.GetBody(); err == nil {
			reqBody, _ = io.ReadAll(io.LimitReader(rc, 2048))
			rc.Close()
		}
	}
	start := time.Now()
	// cookies go by hand: net/http's own cookie code rewrites or drops
	// values a browser keeps (quotes, JSON)
	crossSite := d.from != nil && d.siteOf != nil && d.siteOf(d.from) != d.siteOf(req.URL)
	if c := d.jar.cookieHeader(cookieRequest{URL: req.URL, Method: req.Method, Initiator: d.from, CrossSite: crossSite, Now: start}); c != "" {
		req.Header.Set("Cookie", c)
	}
	resp, err := d.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // it repeats the whole URL, secrets included
		}
		return nil, fmt.Errorf("%s %s: %w", req.Method, redacted(req.URL), err)
	}
	defer resp.Body.Close()
	for _, err := range d.jar.setCookies(req.URL, resp.Header.Values("Set-Cookie"), time.Now()) {
		d.refused = append(d.refused, fmt.Sprintf("%s: %v", redacted(req.URL), err))
	}
	body, err := readBody(resp.Body)
	if err != nil {
		return nil, err
	}
	e := &exchange{status: resp.StatusCode, header: resp.Header, body: body, url: req.URL, method: req.Method, at: start,
		took: time.Since(start)}
	if d.seen != nil {
		d.seen(e, reqBody)
	}
	return e, nil
}

// bodyBuffers holds the buffers readBody reads answers into.
var bodyBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// readBody reads up to maxBody bytes of an answer into a slice of their
// size: a page read with io.ReadAll allocates about twice its size as the
// slice grows, and most pages are sent in chunks, without a length to size
// it from.
func readBody(r io.Reader) ([]byte, error) {
	buf := bodyBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 1<<20 {
			buf.Reset()
			bodyBuffers.Put(buf)
		}
	}()
	if _, err := buf.ReadFrom(io.LimitReader(r, maxBody)); err != nil {
		return nil, err
	}
	return append(make([]byte, 0, buf.Len()), buf.Bytes()...), nil
}

func (d *driver) get(raw string) (*exchange, error) {
	req, err := http.NewRequest(http.MethodGet, raw, nil)
	if err != nil {
		return nil, err
	}
	return d.do(req)
}

func (d *driver) postForm(raw string, form url.Values) (*exchange, error) {
	req, err := http.NewRequest(http.MethodPost, raw, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return d.do(req)
}

func (d *driver) isHome(u *url.URL) bool {
	origin := u.Scheme + "://" + u.Host
	for _, h := range d.home {
		if strings.EqualFold(strings.TrimRight(h, "/"), origin) {
			return true
		}
	}
	return false
}

// follow follows redirections while they stay on the sandbox's hosts, and
// returns the last answer: a page, or the redirection that leaves.
func (d *driver) follow(e *exchange) (*exchange, error) {
	d.chain = append(d.chain[:0], e.url)
	for range 10 {
		if !e.isRedirect() || !d.isHome(e.location()) || (d.stop != nil && d.stop(e.location())) {
			return e, nil
		}
		d.chain = append(d.chain, e.location())
		next, err := d.get(e.location().String())
		if err != nil {
			return nil, err
		}
		e = next
	}
	return nil, fmt.Errorf("plus de 10 redirections depuis %s", e.url)
}

// open navigates to raw as a browser would (an address typed).
func (d *driver) open(raw string) (*exchange, error) {
	d.from = nil
	e, err := d.get(raw)
	if err != nil {
		return nil, err
	}
	return d.follow(e)
}

// form is an HTML form found on a page.
type form struct {
	action string
	method string
	fields url.Values
	inputs map[string]string // name → type
}

// forms reads every form of a page: its action, method, and the named
// input and button fields inside it, as a browser submits them. It reads
// the page with the HTML tokenizer, without building the document's tree,
// as the tree builder would for the pages of a sandbox (a form inside
// another is ignored; a form ends at its end tag or the page's end); it
// decodes only the form, input and button tags' attributes. Reading the
// FranceConnect login page (about 22 KB) was the browser's largest cost
// in the certification benchmark.
func forms(page []byte) []form {
	z := html.NewTokenizer(bytes.NewReader(page))
	var out []form
	open := false // out's last form is open
	for {
		switch z.Next() {
		case html.ErrorToken:
			return out // the end of the page
		case html.EndTagToken:
			if tagIs(z.Raw(), "form") {
				open = false
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			raw := z.Raw()
			switch {
			case tagIs(raw, "form"):
				if open {
					continue // HTML ignores a form inside a form
				}
				a := readAttrs(z)
				out = append(out, form{action: a.action, method: strings.ToUpper(a.method), fields: url.Values{},
					inputs: map[string]string{}})
				open = true
			case open && (tagIs(raw, "input") || tagIs(raw, "button")):
				a := readAttrs(z)
				if a.name == "" {
					continue
				}
				cur := &out[len(out)-1]
				cur.inputs[a.name] = a.typ
				if tagIs(raw, "input") && a.typ != "submit" {
					cur.fields.Set(a.name, a.value)
				}
			}
		}
	}
}

// tagIs says whether raw, a start or end tag as written in the page, is
// the element name (ASCII, any case).
func tagIs(raw []byte, name string) bool {
	raw = bytes.TrimPrefix(bytes.TrimPrefix(raw, []byte("<")), []byte("/"))
	if len(raw) < len(name) || !bytes.EqualFold(raw[:len(name)], []byte(name)) {
		return false
	}
	if len(raw) == len(name) {
		return true
	}
	switch raw[len(name)] {
	case ' ', '\t', '\n', '\f', '\r', '/', '>':
		return true
	}
	return false
}

// tagAttrs are the attributes forms reads from a tag.
type tagAttrs struct{ action, method, name, typ, value string }

// readAttrs reads the current tag's attributes (keys lower-cased, values
// decoded); the first of a repeated attribute wins, as in HTML.
func readAttrs(z *html.Tokenizer) tagAttrs {
	var a tagAttrs
	var seen [5]bool
	set := func(i int, dst *string, v []byte) {
		if !seen[i] {
			seen[i], *dst = true, string(v)
		}
	}
	_, more := z.TagName()
	for more {
		var k, v []byte
		k, v, more = z.TagAttr()
		switch string(k) {
		case "action":
			set(0, &a.action, v)
		case "method":
			set(1, &a.method, v)
		case "name":
			set(2, &a.name, v)
		case "type":
			set(3, &a.typ, v)
		case "value":
			set(4, &a.value, v)
		}
	}
	return a
}

// links returns the href of every link whose text is text.
func links(page []byte, text string) []string {
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		return nil
	}
	var out []string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "a" && strings.TrimSpace(textOf(n)) == text {
			out = append(out, attr(n, "href"))
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return out
}

func textOf(n *html.Node) string {
	if n.Type == html.TextNode {
		return n.Data
	}
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		b.WriteString(textOf(c))
	}
	return b.String()
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// loginForm returns the form where a person types a login and a password
// (visible fields, not a persona button).
func loginForm(page []byte) (form, bool) {
	for _, f := range forms(page) {
		if t, ok := f.inputs["login"]; ok && t != "hidden" {
			if _, ok := f.inputs["password"]; ok {
				return f, true
			}
		}
	}
	return form{}, false
}

// submit posts a form of the page e with the given values.
func (d *driver) submit(e *exchange, f form, values map[string]string) (*exchange, error) {
	target, err := e.url.Parse(f.action)
	if err != nil {
		return nil, err
	}
	data := url.Values{}
	for k, v := range f.fields {
		data[k] = v
	}
	for k, v := range values {
		data.Set(k, v)
	}
	d.from = e.url // the page that holds the form
	next, err := d.postForm(target.String(), data)
	if err != nil {
		return nil, err
	}
	return d.follow(next)
}
