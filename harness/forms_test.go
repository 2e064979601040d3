package harness

import (
	"bytes"
	"net/http"
	"net/url"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/proconnect-sandbox/proconnect-sandbox/sandbox"
)

// treeForms reads a page's forms from the document tree the HTML parser
// builds, as forms did before it read the tokens: the reference forms must
// agree with.
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

// TestFormsAsTheTree: forms finds what the document tree holds, on written
// cases and on every page a certification and an access request show
// (the portal's, FranceConnect's login page, the core's).
func TestFormsAsTheTree(t *testing.T) {
	cases := map[string]string{
		"login": `<!doctype html><html><body><form method="post" action="/x/login"><input type="hidden" name="csrf" value="a&amp;b">
			<input name=login><input type="password" name="password"><button type="submit" name="go" value="1">OK</button></form></body></html>`,
		"nested form ignored": `<form action="/a"><input name="x" value="1"><form action="/b"><input name="y"></form><input name="z"></form>`,
		"after the form":      `<form action="/a"><input name="x"></form><input name="outside"><FORM ACTION="/b" Method=get><INPUT NAME="Y" VALUE="v"/></FORM>`,
		"repeated attribute":  `<form action="/a" action="/b"><input name="x" name="y" value="1" value="2"><input type="submit" name="s" value="go"></form>`,
		"unclosed":            `<form action="/a"><div><input name="x" value="1"></div>`,
		"script and textarea": `<form action="/a"><script>var s = "<input name='no'>";</script><textarea name="t"><input name="no2"></textarea><input name="yes"></form>`,
		"no name, no form":    `<input name="alone"><form action="/a"><input value="anonymous"><button>b</button></form>`,
		"uppercase and tabs":  "<form\taction=\"/a\"><input\tname=\"x\"\nvalue=\"1\"><inputs name=\"no\"></form>",
		"entities":            `<form action="/a?x=1&amp;y=2"><input name="q" value="&eacute;t&eacute; &lt;"></form>`,
		"odd markup": `<FORM Action="/a?x=1&amp;y=2" method=post><input name=a value="&eacute;t&eacute;">` +
			`<form action="/nested"><input name=b></form><input name=c>` +
			`<table><tr><td><form action="/t"><input name=d type=hidden value=1><button name=go type=submit>Go</button></form></td></tr></table>` +
			`<input name=outside><form action=/last><input name=e value=1 value=2><input type=submit name=s value=x>`,
	}
	check := func(name string, page []byte) {
		t.Helper()
		if got, want := forms(page), treeForms(page); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: forms read\n%+v\nthe tree holds\n%+v", name, got, want)
		}
	}
	for name, page := range cases {
		check(name, []byte(page))
	}

	_, url := testStack(t, sandbox.Config{})
	portal := url("portal")
	d := newDriver(&http.Transport{}, "forms", portal, url("franceconnect"), url("proconnect"))
	pages := 0
	d.seen = func(e *exchange, _ []byte) {
		if strings.HasPrefix(e.header.Get("Content-Type"), "text/html") {
			pages++
			check(e.method+" "+e.url.Path, e.body)
		}
	}
	if _, err := certifyThrough(d, portal, "901001008", "angela"); err != nil {
		t.Fatal(err)
	}
	if _, err := fileAccessThrough(d, portal, "901001008", "collaborateur@exemple.test"); err != nil {
		t.Fatal(err)
	}
	if pages < 5 {
		t.Fatalf("only %d pages seen", pages)
	}
}

// TestFormsAllocateLittle: reading the FranceConnect login page's forms
// allocates less than half the bytes building its tree did (the
// benchmark's browser reads that page once per certification; what is
// left is mostly the tokenizer's own, per tag).
func TestFormsAllocateLittle(t *testing.T) {
	_, url := testStack(t, sandbox.Config{})
	portal := url("portal")
	d := newDriver(&http.Transport{}, "forms", portal, url("franceconnect"), url("proconnect"))
	var login []byte
	d.seen = func(e *exchange, _ []byte) {
		if strings.HasPrefix(e.url.Path, "/api/v2/interaction/") && e.method == http.MethodGet {
			login = e.body
		}
	}
	if _, err := certifyThrough(d, portal, "901001008", "angela"); err != nil || len(login) == 0 {
		t.Fatalf("no login page seen (%v)", err)
	}
	allocated := func(read func([]byte) []form) uint64 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range 20 {
			read(login)
		}
		runtime.ReadMemStats(&after)
		return (after.TotalAlloc - before.TotalAlloc) / 20
	}
	tokens, tree := allocated(forms), allocated(treeForms)
	t.Logf("login page of %d bytes: %d bytes allocated read from the tokens, %d from the tree", len(login), tokens, tree)
	if tokens*2 > tree {
		t.Errorf("forms allocates %d bytes on the login page, the tree %d: want under half", tokens, tree)
	}
}
