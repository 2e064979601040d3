package harness

import (
	"bytes"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/proconnect-sandbox/proconnect-sandbox/sandbox"
	"github.com/proconnect-sandbox/proconnect-sandbox/sandbox/sandboxtest"
)

// treeForms is what forms returned when it built the page's tree with
// html.Parse: the reference the tokenizer must agree with.
func treeForms(page []byte) []form {
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		return nil
	}
	var out []form
	var walk func(n *html.Node, cur *form)
	walk = func(n *html.Node, cur *form) {
		if n.Type == html.ElementNode && n.Data == "form" {
			f := form{action: attr(n, "action"), method: strings.ToUpper(attr(n, "method")), fields: url.Values{}, inputs: map[string]string{}}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c, &f)
			}
			out = append(out, f)
			return
		}
		if cur != nil && n.Type == html.ElementNode && (n.Data == "input" || n.Data == "button") {
			if name := attr(n, "name"); name != "" {
				typ := attr(n, "type")
				cur.inputs[name] = typ
				if n.Data == "input" && typ != "submit" {
					cur.fields.Set(name, attr(n, "value"))
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, cur)
		}
	}
	walk(doc, nil)
	return out
}

// TestFormsReadAsTheParserReadsThem: the forms read from the sandbox's
// real pages (FranceConnect's login page with every persona, the portal's
// pages) and from odd markup are those html.Parse's tree holds.
func TestFormsReadAsTheParserReadsThem(t *testing.T) {
	_, base := sandboxtest.Start(t, sandbox.Config{})
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	get := func(u string) []byte {
		t.Helper()
		resp, err := client.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return b
	}
	// the reference portal's start sends the browser through ProConnect to
	// FranceConnect's login page
	login := get(base("portal") + "/demarrer?siren=901001008")
	pages := map[string][]byte{
		"FranceConnect login": login,
		"portal home":         get(base("portal") + "/"),
		"portal collaborator": get(base("portal") + "/collaborateur"),
		"odd markup": []byte(`<FORM Action="/a?x=1&amp;y=2" method=post><input name=a value="&eacute;t&eacute;">` +
			`<form action="/nested"><input name=b></form><input name=c>` +
			`<table><tr><td><form action="/t"><input name=d type=hidden value=1><button name=go type=submit>Go</button></form></td></tr></table>` +
			`<input name=outside><form action=/last><input name=e value=1 value=2><input type=submit name=s value=x>`),
	}
	if _, ok := loginForm(pages["FranceConnect login"]); !ok {
		t.Fatalf("no login form on FranceConnect's login page:\n%s", pages["FranceConnect login"])
	}
	for name, page := range pages {
		if got, want := forms(page), treeForms(page); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: forms read\n%+v\nthe parser's tree holds\n%+v", name, got, want)
		}
	}
}
