package ui

import (
	"embed"
	"html/template"
	"net/http"
	"path"
	"strconv"
	"strings"
)

// Version is the @gouvfr/dsfr version in dist (dist/VERSION says the same;
// a test checks it).
const Version = "1.15.3"

// Prefix is the path under which every component serves the design
// system's files. The version is in it, so the files are immutable: a new
// version is a new path.
const Prefix = "/dsfr/" + Version + "/"

//go:embed dist
var dist embed.FS

//go:embed templates/frame.html
var frame string

// Chrome is what the shared frame says of one component.
type Chrome struct {
	// Service is the service's name in the header and the page titles.
	Service string
	// Tagline is the line under the service's name.
	Tagline string
	// Sandbox is the notice under the header: what this component stands
	// for and that it is a sandbox.
	Sandbox string
	// Operator, when set, is the name of a logo under Prefix shown beside
	// the bloc-marque, as the operator's logo of a DSFR header (FranceConnect's
	// own pages show its logo there); OperatorAlt is its text.
	Operator, OperatorAlt string
}

// FranceConnectLogo is the FranceConnect logo, as the DSFR's FranceConnect
// button draws it, for Chrome.Operator.
const FranceConnectLogo = "franceconnect.svg"

// Templates returns a template set holding the shared frame, bound to c:
// a component parses its own templates into it and writes
//
//	{{template "ui-head" "Page title"}} … {{template "ui-foot"}}
//
// around each page's content (the content goes in the page's <main>).
func Templates(c Chrome) *template.Template {
	return template.Must(template.New("ui").Funcs(template.FuncMap{
		"uichrome":  func() Chrome { return c },
		"uiprefix":  func() string { return Prefix },
		"uiversion": func() string { return Version },
	}).Parse(frame))
}

// Handler serves the design system's files under Prefix (mount it at
// Prefix+"*"): immutable, with an ETag, gzipped for the browsers that say
// they take it. Anything else is a 404.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, ok := assets()[strings.TrimPrefix(r.URL.Path, Prefix)]
		if !ok || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
			http.NotFound(w, r)
			return
		}
		a.once.Do(a.load)
		if a.err != nil {
			http.Error(w, "the embedded file cannot be read", http.StatusInternalServerError)
			return
		}
		h := w.Header()
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
		h.Set("ETag", a.etag)
		h.Set("Content-Type", a.ctype)
		h.Set("X-Content-Type-Options", "nosniff")
		if a.gz != nil {
			h.Set("Vary", "Accept-Encoding")
		}
		if r.Header.Get("If-None-Match") == a.etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		body := a.body
		if a.gz != nil && acceptsGzip(r.Header.Get("Accept-Encoding")) {
			h.Set("Content-Encoding", "gzip")
			body = a.gz
		}
		h.Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusOK)
		if r.Method == http.MethodGet {
			_, _ = w.Write(body)
		}
	})
}

// acceptsGzip reads an Accept-Encoding header (RFC 9110, section 12.5.3):
// gzip listed without q=0.
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if c := strings.ToLower(strings.TrimSpace(coding)); c != "gzip" && c != "x-gzip" {
			continue
		}
		q := strings.ReplaceAll(strings.ToLower(params), " ", "")
		return !strings.HasPrefix(q, "q=0") || strings.HasPrefix(q, "q=0.") && strings.Trim(q[4:], "0") != ""
	}
	return false
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".css":
		return "text/css; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".woff2":
		return "font/woff2"
	case ".ico":
		return "image/x-icon"
	default:
		return "text/plain; charset=utf-8"
	}
}

// Serve returns next with the design system's files served under Prefix
// ahead of it: static files stay out of the component's journal and its
// fault injection, which are about the protocol's exchanges.
func Serve(next http.Handler) http.Handler {
	files := Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, Prefix) {
			files.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}
