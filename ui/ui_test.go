package ui

import (
	"bytes"
	"compress/gzip"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func TestVersionIsDist(t *testing.T) {
	b, err := dist.ReadFile("dist/VERSION")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(b)); got != Version {
		t.Fatalf("ui/dist holds @gouvfr/dsfr %s, Version says %s: run scripts/refresh-dsfr", got, Version)
	}
	if _, err := dist.ReadFile("dist/LICENSE.md"); err != nil {
		t.Fatalf("the DSFR's licence is not embedded: %v", err)
	}
}

func get(t *testing.T, h http.Handler, method, path string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestStylesheetServed: gzipped to a browser that takes it, plain to one
// that does not, immutable, and a 304 for a known ETag.
func TestStylesheetServed(t *testing.T) {
	h := Handler()
	plain := get(t, h, http.MethodGet, Prefix+"dsfr.min.css")
	if plain.Code != http.StatusOK || plain.Header().Get("Content-Encoding") != "" {
		t.Fatalf("plain: %d %v", plain.Code, plain.Header())
	}
	if !bytes.Contains(plain.Body.Bytes(), []byte(".fr-header")) || plain.Header().Get("Content-Type") != "text/css; charset=utf-8" {
		t.Fatalf("plain: not the DSFR's stylesheet: %v %.80s", plain.Header(), plain.Body.String())
	}
	if cc := plain.Header().Get("Cache-Control"); !strings.Contains(cc, "immutable") || !strings.Contains(cc, "max-age=31536000") {
		t.Errorf("Cache-Control %q", cc)
	}
	if plain.Header().Get("Vary") != "Accept-Encoding" {
		t.Errorf("Vary %q", plain.Header().Get("Vary"))
	}
	zipped := get(t, h, http.MethodGet, Prefix+"dsfr.min.css", "Accept-Encoding", "br, gzip")
	if zipped.Header().Get("Content-Encoding") != "gzip" || zipped.Body.Len() >= plain.Body.Len()/4 {
		t.Fatalf("gzip: %v, %d bytes for %d", zipped.Header(), zipped.Body.Len(), plain.Body.Len())
	}
	zr, err := gzip.NewReader(zipped.Body)
	if err != nil {
		t.Fatal(err)
	}
	unzipped, _ := io.ReadAll(zr)
	if !bytes.Equal(unzipped, plain.Body.Bytes()) {
		t.Fatal("the gzipped stylesheet is not the plain one")
	}
	refused := get(t, h, http.MethodGet, Prefix+"dsfr.min.css", "Accept-Encoding", "gzip;q=0")
	if refused.Header().Get("Content-Encoding") != "" {
		t.Errorf("gzip;q=0 still got gzip")
	}
	etag := plain.Header().Get("ETag")
	if same := get(t, h, http.MethodGet, Prefix+"dsfr.min.css", "If-None-Match", etag); etag == "" || same.Code != http.StatusNotModified || same.Body.Len() != 0 {
		t.Errorf("If-None-Match %s: %d", etag, same.Code)
	}
	if head := get(t, h, http.MethodHead, Prefix+"dsfr.min.css"); head.Code != http.StatusOK || head.Body.Len() != 0 || head.Header().Get("Content-Length") == "" {
		t.Errorf("HEAD: %d, %d bytes", head.Code, head.Body.Len())
	}
	for _, path := range []string{Prefix + "nothing.css", Prefix + "../ui.go", "/dsfr/0.0.1/dsfr.min.css", Prefix + "VERSION.gz"} {
		if rec := get(t, h, http.MethodGet, path); rec.Code != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, rec.Code)
		}
	}
	if rec := get(t, h, http.MethodPost, Prefix+"dsfr.min.css"); rec.Code != http.StatusNotFound {
		t.Errorf("POST: %d", rec.Code)
	}
}

var reURL = regexp.MustCompile(`url\(([^)"']+)\)`)

// TestEveryReferenceServed: every file the stylesheet points at (icons,
// fonts) is embedded, and it points at nothing outside the sandbox.
func TestEveryReferenceServed(t *testing.T) {
	h := Handler()
	css := get(t, h, http.MethodGet, Prefix+"dsfr.min.css").Body.String()
	refs := reURL.FindAllStringSubmatch(css, -1)
	if len(refs) < 20 {
		t.Fatalf("only %d url() in the stylesheet", len(refs))
	}
	fonts := 0
	for _, m := range refs {
		ref := m[1]
		if strings.HasPrefix(ref, "data:") {
			continue
		}
		if strings.Contains(ref, "//") {
			t.Errorf("the stylesheet points outside: %s", ref)
			continue
		}
		rec := get(t, h, http.MethodGet, Prefix+ref)
		if rec.Code != http.StatusOK || rec.Body.Len() == 0 {
			t.Errorf("%s: %d", ref, rec.Code)
		}
		if strings.HasSuffix(ref, ".woff2") {
			fonts++
			if ct := rec.Header().Get("Content-Type"); ct != "font/woff2" {
				t.Errorf("%s: Content-Type %s", ref, ct)
			}
		}
	}
	if fonts != 4 {
		t.Errorf("%d Marianne fonts declared, want 4", fonts)
	}
	for _, f := range []string{"favicon.svg", "favicon.ico", FranceConnectLogo} {
		if rec := get(t, h, http.MethodGet, Prefix+f); rec.Code != http.StatusOK {
			t.Errorf("%s: %d", f, rec.Code)
		}
	}
}

// TestOperatorLogo: FranceConnect's header shows its logo, served here.
func TestOperatorLogo(t *testing.T) {
	tpl := template.Must(Templates(Chrome{Service: "FranceConnect", Operator: FranceConnectLogo, OperatorAlt: "FranceConnect"}).
		Parse(`{{define "page"}}{{template "ui-head" .}}{{template "ui-foot"}}{{end}}`))
	var b strings.Builder
	if err := tpl.ExecuteTemplate(&b, "page", ""); err != nil {
		t.Fatal(err)
	}
	want := `<div class="fr-header__operator"><img class="ui-operator" src="` + Prefix + FranceConnectLogo + `" alt="FranceConnect"></div>`
	if !strings.Contains(b.String(), want) {
		t.Fatalf("no operator logo %s:\n%s", want, b.String())
	}
	logo := get(t, Handler(), http.MethodGet, Prefix+FranceConnectLogo)
	if logo.Code != http.StatusOK || logo.Header().Get("Content-Type") != "image/svg+xml" || !strings.HasPrefix(logo.Body.String(), "<svg") {
		t.Fatalf("logo: %d %v %.40s", logo.Code, logo.Header(), logo.Body.String())
	}
}

// TestServeLeavesOtherPaths: Serve answers the design system's paths
// itself and hands every other one to the component.
func TestServeLeavesOtherPaths(t *testing.T) {
	var seen []string
	h := Serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = append(seen, r.URL.Path) }))
	get(t, h, http.MethodGet, Prefix+"favicon.svg")
	get(t, h, http.MethodGet, "/")
	get(t, h, http.MethodGet, "/dsfr/")
	if strings.Join(seen, " ") != "/ /dsfr/" {
		t.Fatalf("the component saw %v", seen)
	}
}

// TestFrame: the shared frame names the service, shows « bac à sable »
// in the header, and has the landmarks, a skip link to main and the
// stylesheet.
func TestFrame(t *testing.T) {
	tpl := template.Must(Templates(Chrome{Service: "Service <X>", Tagline: "Un service", Sandbox: "Ce qui se passe ici."}).
		Parse(`{{define "page"}}{{template "ui-head" .}}<p>contenu</p>{{template "ui-foot"}}{{end}}`))
	var b strings.Builder
	if err := tpl.ExecuteTemplate(&b, "page", "Accueil"); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{
		`<html lang="fr">`, `<title>Accueil — Service &lt;X&gt; — bac à sable</title>`,
		`href="` + Prefix + `dsfr.min.css"`, `<header role="banner" class="fr-header">`,
		`<p class="fr-logo">République<br>française</p>`,
		`Service &lt;X&gt; <span class="fr-badge fr-badge--sm fr-badge--warning fr-badge--no-icon" id="bac-a-sable">bac à sable</span>`,
		`Ce qui se passe ici.`, `<main role="main" id="contenu"`, `href="#contenu"`,
		`<footer class="fr-footer" role="contentinfo" id="pied">`, `(DSFR) ` + Version,
		`<p>contenu</p>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the frame lacks %s:\n%s", want, page)
		}
	}
	if strings.Contains(page, "fr-header__operator") {
		t.Error("an operator logo without Chrome.Operator")
	}
	if strings.Index(page, "<main") > strings.Index(page, "<p>contenu</p>") || strings.Index(page, "<p>contenu</p>") > strings.Index(page, "</main>") {
		t.Error("the content is not inside <main>")
	}
}

// TestHandlerBuildsNothing: building a component's handler reads no file
// (every component builds one at its start; the files are read on the
// first request, once per process), and the files are still served.
func TestHandlerBuildsNothing(t *testing.T) {
	if allocs := testing.AllocsPerRun(10, func() { Serve(http.NotFoundHandler()) }); allocs > 8 {
		t.Fatalf("building the handler allocated %.0f times: it reads the files", allocs)
	}
	rec := httptest.NewRecorder()
	Serve(http.NotFoundHandler()).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, Prefix+"dsfr.min.css", nil))
	if rec.Code != http.StatusOK || rec.Body.Len() < 10000 {
		t.Fatalf("the stylesheet: %d, %d bytes", rec.Code, rec.Body.Len())
	}
}
