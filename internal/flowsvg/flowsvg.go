// Package flowsvg draws the exchanges of a certification, as the sandbox's
// components journalled them, as a sequence diagram in SVG: one column per
// component (and one for the browser), one arrow per exchange, each arrow a
// link to the exchange's details (request and answer, secrets masked), which
// it writes below the drawing. The reference portal's live flow page and the
// HTML conformance report both use it.
//
// It draws what it is given: choosing the entries of one certification or
// one scenario is the caller's work (see Select). It writes plain SVG and
// HTML, no script and nothing fetched.
package flowsvg

import (
	"cmp"
	"fmt"
	"html/template"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/control"
)

// Lane is a column of the picture.
type Lane struct {
	Key, Title string
}

// lanes are the columns, in the order a certification crosses them; only
// those the exchanges touch are drawn.
var lanes = []Lane{
	{"navigateur", "Navigateur"}, {"portal", "Portail"}, {"piste", "PISTE"}, {"proconnect", "ProConnect"},
	{"franceconnect", "FranceConnect"}, {"sirene", "INSEE Sirene / RNE"}, {"apientreprise", "API Entreprise"},
	{"mailbox", "Courriels"},
}

// Arrow is one exchange of the picture.
type Arrow struct {
	// N numbers the arrows from 1, in the order the exchanges began.
	N        int
	From, To string // lane keys
	// Label says what the exchange is, in French ("jeton PISTE").
	Label string
	Entry control.Entry
}

// Picture is what Render draws.
type Picture struct {
	Lanes  []Lane
	Arrows []Arrow
	// BodyLimit, when set, shortens each body shown to that many
	// characters (a report with hundreds of exchanges stays small).
	BodyLimit int
}

// Start is when an exchange began (the journal dates its end).
func Start(e control.Entry) time.Time {
	return e.Time.Add(-time.Duration(e.DurationMS * float64(time.Millisecond)))
}

// Build orders the entries by the time they began and makes one arrow of
// each; an entry of a component the picture has no column for is left out.
func Build(entries []control.Entry) Picture {
	list := slices.Clone(entries)
	slices.SortStableFunc(list, func(a, b control.Entry) int { return Start(a).Compare(Start(b)) })
	used := map[string]bool{}
	var p Picture
	for _, e := range list {
		from := cmp.Or(e.From, "navigateur")
		if !known(from) || !known(e.Component) {
			continue
		}
		used[from], used[e.Component] = true, true
		p.Arrows = append(p.Arrows, Arrow{N: len(p.Arrows) + 1, From: from, To: e.Component, Label: Describe(e), Entry: e})
	}
	for _, l := range lanes {
		if used[l.Key] {
			p.Lanes = append(p.Lanes, l)
		}
	}
	return p
}

func known(key string) bool {
	return slices.ContainsFunc(lanes, func(l Lane) bool { return l.Key == key })
}

// Describe says in a few French words what an exchange is.
func Describe(e control.Entry) string {
	p := e.Path
	switch e.Component {
	case "piste":
		if strings.HasSuffix(p, "/token") {
			return "jeton PISTE"
		}
	case "proconnect":
		switch {
		case e.Method == "POST" && p == "/api/v1/certifications":
			return "demande de certification"
		case strings.HasPrefix(p, "/api/v1/certifications/"):
			return "lecture du résultat"
		case strings.HasSuffix(p, "/login") && strings.HasPrefix(p, "/certifications/"):
			return "départ vers FranceConnect"
		case p == "/oidc/callback":
			return "retour de FranceConnect"
		case p == "/api/v1/jwks":
			return "clés de ProConnect"
		case p == "/api/v1/verifications":
			return "revérification"
		case p == "/api/v1/access-requests":
			return "demande d'accès"
		case strings.HasPrefix(p, "/api/v1/access-requests/"):
			return "état de la demande d'accès"
		case strings.HasPrefix(p, "/demandes/") && strings.HasSuffix(p, "/connexion"):
			return "le dirigeant se connecte"
		case strings.HasPrefix(p, "/demandes/") && strings.HasSuffix(p, "/decision"):
			return "décision du dirigeant"
		case strings.HasPrefix(p, "/demandes/"):
			return "page de la demande"
		}
	case "franceconnect":
		switch {
		case strings.HasSuffix(p, "/authorize"):
			return "authorize"
		case strings.HasSuffix(p, "/login") && strings.Contains(p, "/interaction/"):
			return "connexion"
		case strings.Contains(p, "/interaction/"):
			return "page de connexion"
		case strings.HasSuffix(p, "/token"):
			return "jeton FranceConnect"
		case strings.HasSuffix(p, "/userinfo"):
			return "userinfo"
		case strings.HasSuffix(p, "/jwks"):
			return "clés de FranceConnect"
		case strings.HasSuffix(p, "/openid-configuration"):
			return "découverte"
		}
	case "sirene":
		switch {
		case strings.Contains(p, "/siren/"), strings.Contains(p, "/siret/"):
			return "Sirene : unité légale"
		case strings.Contains(p, "/api/companies/"):
			return "RNE : dirigeants"
		case strings.Contains(p, "/sso/login"):
			return "RNE : connexion"
		case strings.Contains(p, "token"):
			return "jeton INSEE"
		}
	case "apientreprise":
		if strings.Contains(p, "mandataires") {
			return "API Entreprise : dirigeants"
		}
		return "API Entreprise : unité légale"
	case "portal":
		switch {
		case p == "/api/psp/events":
			return "événement poussé"
		case p == "/demarrer" || strings.HasSuffix(p, "/certifier"):
			return "démarrage"
		case p == "/retour":
			return "retour au portail"
		case strings.HasPrefix(p, "/api/status/"):
			return "état du compte"
		case strings.HasPrefix(p, "/api/reverifier/"), strings.HasSuffix(p, "/verifier"):
			return "revérification demandée"
		case p == "/api/acces", p == "/collaborateur":
			return "demande d'accès"
		case strings.HasPrefix(p, "/api/acces/"), strings.HasPrefix(p, "/collaborateur/"):
			return "état de la demande d'accès"
		case strings.HasPrefix(p, "/compte/"):
			return "page du compte"
		}
	case "mailbox":
		if strings.HasPrefix(p, "/api/messages") {
			return "lecture des courriels"
		}
	}
	return e.Method + " " + p
}

// geometry of the drawing, in pixels
const (
	laneWidth  = 160
	headHeight = 44
	rowHeight  = 36
	margin     = 10
	// room on the right for a label wider than its arrow
	overflow = 60
)

// Render draws p as an SVG element followed by one <details> per arrow,
// whose ids start with prefix ("fleche-" + N): each arrow links to its
// details. title names the picture for assistive technologies.
func Render(p Picture, prefix, title string) template.HTML {
	var b strings.Builder
	if len(p.Arrows) == 0 {
		return template.HTML(`<p class="flux-vide">Aucun échange journalisé pour l'instant.</p>`)
	}
	col := map[string]int{}
	for i, l := range p.Lanes {
		col[l.Key] = i
	}
	width := len(p.Lanes)*laneWidth + 2*margin + overflow
	height := headHeight + len(p.Arrows)*rowHeight + 2*margin
	x := func(key string) int { return margin + col[key]*laneWidth + laneWidth/2 }
	fmt.Fprintf(&b, `<svg class="flux" xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="group" aria-labelledby="%s-titre">`,
		width, height, width, height, prefix)
	fmt.Fprintf(&b, `<title id="%s-titre">%s</title>`, prefix, esc(title))
	b.WriteString(`<defs><marker id="` + prefix + `-pointe" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="context-stroke"/></marker></defs>`)
	b.WriteString(`<rect width="100%" height="100%" fill="#fff"/>`)
	for _, l := range p.Lanes {
		cx := x(l.Key)
		fmt.Fprintf(&b, `<g class="couloir" data-composant="%s"><rect x="%d" y="%d" width="%d" height="28" rx="4" fill="#000091"/>`+
			`<text x="%d" y="%d" text-anchor="middle" fill="#fff" font-size="13" font-weight="bold">%s</text>`+
			`<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#929292" stroke-dasharray="4 4"/></g>`,
			esc(l.Key), cx-laneWidth/2+6, margin, laneWidth-12, cx, margin+19, esc(l.Title), cx, margin+28, cx, height-margin)
	}
	for i, a := range p.Arrows {
		y := margin + headHeight + i*rowHeight + rowHeight - 12
		x1, x2 := x(a.From), x(a.To)
		colour := "#000091"
		if a.Entry.Status >= 400 {
			colour = "#ce0500"
		}
		id := prefix + "-" + strconv.Itoa(a.N)
		text := fmt.Sprintf("%d. %s · %d", a.N, a.Label, a.Entry.Status)
		lx := (x1 + x2) / 2
		fmt.Fprintf(&b, `<a href="#%s" class="fleche" data-n="%d" data-de="%s" data-vers="%s" data-libelle="%s" aria-label="%s">`,
			id, a.N, esc(a.From), esc(a.To), esc(a.Label), esc(text+" : voir la requête et la réponse"))
		fmt.Fprintf(&b, `<title>%s — %s %s</title>`, esc(text), esc(a.Entry.Method), esc(a.Entry.Path))
		left, right := min(x1, x2), max(x1, x2)
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="transparent"/>`, left-4, y-rowHeight+14, max(right-left, 60)+8, rowHeight-4)
		if x1 == x2 { // a component calling itself: a small loop
			fmt.Fprintf(&b, `<path d="M%d,%d h30 v8 h-30" fill="none" stroke="%s" stroke-width="2" marker-end="url(#%s-pointe)"/>`, x1, y-4, colour, prefix)
			lx = x1 + 40
		} else {
			fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="2" marker-end="url(#%s-pointe)"/>`, x1, y, x2, y, colour, prefix)
		}
		// a white halo keeps the label readable across the lanes' lines
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" font-size="12" fill="%s" stroke="#fff" stroke-width="4" paint-order="stroke">%s</text>`,
			lx, y-6, colour, esc(clip(text, 44)))
		b.WriteString(`</a>`)
	}
	b.WriteString(`</svg>`)
	b.WriteString(`<div class="flux-details">`)
	for _, a := range p.Arrows {
		writeDetails(&b, prefix+"-"+strconv.Itoa(a.N), a, p.BodyLimit)
	}
	b.WriteString(`</div>`)
	return template.HTML(b.String())
}

func writeDetails(b *strings.Builder, id string, a Arrow, limit int) {
	e := a.Entry
	u := e.Path
	if e.Query != "" {
		u += "?" + e.Query
	}
	fmt.Fprintf(b, `<details id="%s" class="echange"><summary>%d. %s — %s %s → %d</summary>`,
		id, a.N, esc(a.Label), esc(e.Method), esc(clip(e.Path, 60)), e.Status)
	fmt.Fprintf(b, `<p class="echange-meta">%s → %s · %s · %s ms</p>`,
		esc(laneTitle(a.From)), esc(laneTitle(a.To)), e.Time.Format("15:04:05.000"), strings.Replace(fmt.Sprintf("%.1f", e.DurationMS), ".", ",", 1))
	fmt.Fprintf(b, `<h4>Requête</h4><pre class="echange-ligne">%s %s</pre>`, esc(e.Method), esc(u))
	writeMessage(b, e.Request, limit)
	fmt.Fprintf(b, `<h4>Réponse</h4><pre class="echange-ligne">%d</pre>`, e.Status)
	if e.Location != "" && e.Response == nil {
		fmt.Fprintf(b, `<pre class="echange-ligne">Location: %s</pre>`, esc(e.Location))
	}
	if e.Answer != "" && (e.Response == nil || e.Response.Body == "") {
		fmt.Fprintf(b, `<pre class="echange-corps">%s</pre>`, esc(e.Answer))
	}
	writeMessage(b, e.Response, limit)
	b.WriteString(`</details>`)
}

func writeMessage(b *strings.Builder, m *control.Message, limit int) {
	if m == nil {
		return
	}
	if len(m.Headers) > 0 {
		b.WriteString(`<pre class="echange-entetes">`)
		for _, h := range m.Headers {
			fmt.Fprintf(b, "%s: %s\n", esc(h.Name), esc(h.Value))
		}
		b.WriteString(`</pre>`)
	}
	if body := m.Body; body != "" {
		if limit > 0 {
			body = clip(body, limit)
		}
		fmt.Fprintf(b, `<pre class="echange-corps">%s</pre>`, esc(body))
	}
}

func laneTitle(key string) string {
	for _, l := range lanes {
		if l.Key == key {
			return l.Title
		}
	}
	return key
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func esc(s string) string { return template.HTMLEscapeString(s) }

// Select returns the entries of one certification: those tagged with one of
// its flow tags, those sharing an OAuth state fingerprint (Link) with them
// (FranceConnect's pages, which the browser reaches without any tag), and
// those a redirection of a selected exchange led to.
func Select(entries []control.Entry, flows ...string) []control.Entry {
	want := map[string]bool{}
	for _, f := range flows {
		if f != "" {
			want[f] = true
		}
	}
	in := make([]bool, len(entries))
	links := map[string]bool{}
	for i, e := range entries {
		if e.Flow != "" && want[e.Flow] {
			in[i] = true
			if e.Link != "" {
				links[e.Link] = true
			}
		}
	}
	for i, e := range entries {
		if !in[i] && e.Link != "" && links[e.Link] {
			in[i] = true
		}
	}
	// follow redirections: the first later exchange at the Location's path
	for changed := true; changed; {
		changed = false
		for i, e := range entries {
			if !in[i] || e.Location == "" {
				continue
			}
			u, err := url.Parse(e.Location)
			if err != nil || u.Path == "" {
				continue
			}
			best := -1
			for j, f := range entries {
				if f.Path == u.Path && f.From == "" && !Start(f).Before(Start(e)) && (best < 0 || Start(f).Before(Start(entries[best]))) {
					// not an exchange of another certification
					if (f.Flow == "" || want[f.Flow]) && (f.Link == "" || links[f.Link]) {
						best = j
					}
				}
			}
			if best >= 0 && !in[best] {
				in[best], changed = true, true
			}
		}
	}
	var out []control.Entry
	for i, e := range entries {
		if in[i] {
			out = append(out, e)
		}
	}
	return out
}

// Fold orders the entries by the time they began and drops an exchange
// that repeats the one before it (same caller, component, method, path and
// status: a poll), keeping the first.
func Fold(entries []control.Entry) []control.Entry {
	list := slices.Clone(entries)
	slices.SortStableFunc(list, func(a, b control.Entry) int { return Start(a).Compare(Start(b)) })
	var out []control.Entry
	for _, e := range list {
		if n := len(out); n > 0 {
			p := out[n-1]
			if p.From == e.From && p.Component == e.Component && p.Method == e.Method && p.Path == e.Path && p.Status == e.Status {
				continue
			}
		}
		out = append(out, e)
	}
	return out
}
