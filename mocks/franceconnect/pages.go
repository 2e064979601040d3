package franceconnect

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"sync"

	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
	"github.com/proconnect-sandbox/proconnect-sandbox/ui"
)

//go:embed templates/*.html
var templateFS embed.FS

// pages are parsed on first use, not when the binary starts (issue 14:
// 6 ms of every start, `version` and `healthcheck` included).
var pages = sync.OnceValue(func() *template.Template {
	return template.Must(ui.Templates(ui.Chrome{
		Service: "FranceConnect",
		Tagline: "Fournisseur d'identité simulé : FranceConnect et FranceConnect+",
		Sandbox: "Ceci n'est pas FranceConnect : un simulateur pour les tests, qui ne sert jamais en production.",
		// FranceConnect's pages show its logo beside the bloc-marque
		Operator: ui.FranceConnectLogo, OperatorAlt: "FranceConnect",
	}).Funcs(template.FuncMap{
		"join": func(s []string) string { return joinSpace(s) },
	}).ParseFS(templateFS, "templates/*.html"))
})

func joinSpace(s []string) string {
	var b bytes.Buffer
	for i, v := range s {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(v)
	}
	return b.String()
}

// render executes a page into a buffer first, so that a template error
// becomes a clean 500 instead of half a page.
func (m *Mock) render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := pages().ExecuteTemplate(&buf, name, data); err != nil {
		m.log.Error("render", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

type errorPage struct {
	Code, Message, BackURL string
}

// renderError shows FranceConnect's error page with its Y-code.
func (m *Mock) renderError(w http.ResponseWriter, status int, ycode, backURL string) {
	msg, ok := pageErrors[ycode]
	if !ok {
		msg = "Une erreur est survenue."
	}
	w.Header().Set("Cache-Control", "no-store")
	m.render(w, status, "error.html", errorPage{Code: ycode, Message: msg, BackURL: backURL})
}

type homePage struct {
	LowIssuer, PlusIssuer string
	Personas              []fixtures.Persona
}

func (m *Mock) home(w http.ResponseWriter, _ *http.Request) {
	m.render(w, http.StatusOK, "home.html", homePage{LowIssuer: m.low.issuer, PlusIssuer: m.plus.issuer, Personas: m.listedPersonas})
}
