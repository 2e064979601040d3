package flowsvg

import (
	"strings"
	"testing"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/control"
)

var t0 = time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)

func entry(ms int, component, from, method, path, flow, link, location string) control.Entry {
	return control.Entry{Time: t0.Add(time.Duration(ms) * time.Millisecond), Component: component, From: from, Method: method,
		Path: path, Flow: flow, Link: link, Location: location, Status: 200}
}

// TestSelectKeepsOneCertification: of two certifications made at the same
// time, Select keeps one's exchanges: those tagged with it or its starting
// tag, FranceConnect's that share its state fingerprint, and the page its
// authorize redirected the browser to; never the other's.
func TestSelectKeepsOneCertification(t *testing.T) {
	all := []control.Entry{
		entry(1, "piste", "portal", "POST", "/api/oauth/token", "demarrage-A", "", ""),
		entry(2, "proconnect", "portal", "POST", "/api/v1/certifications", "A", "", ""),
		entry(3, "proconnect", "portal", "POST", "/api/v1/certifications", "B", "", ""),
		entry(4, "proconnect", "", "GET", "/certifications/A/login", "A", "linkA", "http://fc/api/v2/authorize?state=%5Bredacted%5D"),
		entry(5, "proconnect", "", "GET", "/certifications/B/login", "B", "linkB", "http://fc/api/v2/authorize?state=%5Bredacted%5D"),
		entry(6, "franceconnect", "", "GET", "/api/v2/authorize", "", "linkB", "http://fc/api/v2/interaction/uidB"),
		entry(7, "franceconnect", "", "GET", "/api/v2/authorize", "", "linkA", "http://fc/api/v2/interaction/uidA"),
		entry(8, "franceconnect", "", "GET", "/api/v2/interaction/uidB", "", "", ""),
		entry(9, "franceconnect", "", "GET", "/api/v2/interaction/uidA", "", "", ""),
		entry(10, "franceconnect", "", "POST", "/api/v2/interaction/uidA/login", "", "linkA", "http://pc/oidc/callback?code=%5Bredacted%5D"),
		entry(11, "proconnect", "", "GET", "/oidc/callback", "A", "linkA", "http://portal/retour?certification_id=A"),
		entry(12, "franceconnect", "proconnect", "POST", "/api/v2/token", "A", "", ""),
		entry(13, "franceconnect", "proconnect", "POST", "/api/v2/token", "B", "", ""),
		entry(14, "portal", "", "GET", "/retour", "A", "", ""),
	}
	var got []string
	for _, e := range Select(all, "A", "demarrage-A") {
		got = append(got, e.Method+" "+e.Path+" "+e.Flow)
	}
	want := []string{"POST /api/oauth/token demarrage-A", "POST /api/v1/certifications A", "GET /certifications/A/login A",
		"GET /api/v2/authorize ", "GET /api/v2/interaction/uidA ", "POST /api/v2/interaction/uidA/login ",
		"GET /oidc/callback A", "POST /api/v2/token A", "GET /retour A"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("selected:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestRenderEscapesAndLinksArrows: every arrow links to its details, in
// the order the exchanges began (not the order they ended), and what came
// from a request (a path, a body) is escaped.
func TestRenderEscapesAndLinksArrows(t *testing.T) {
	outer := entry(10, "portal", "", "GET", "/demarrer", "A", "", "")
	outer.DurationMS = 9 // began at 1 ms, ended after the call it made
	evil := entry(5, "proconnect", "portal", "POST", `/api/<script>alert(1)</script>`, "A", "", "")
	evil.Request = &control.Message{Body: `{"x":"</pre><img src=x onerror=alert(1)>"}`}
	html := string(Render(Build([]control.Entry{evil, outer}), "f", "Échanges"))
	if strings.Contains(html, "<script>") || strings.Contains(html, "<img") {
		t.Fatalf("unescaped input in the picture:\n%s", html)
	}
	first, second := strings.Index(html, `data-libelle="démarrage"`), strings.Index(html, `data-n="2"`)
	if first < 0 || second < 0 || first > second || !strings.Contains(html, `href="#f-1"`) || !strings.Contains(html, `<details id="f-2"`) {
		t.Errorf("arrows not in the order the exchanges began, or not linked to their details:\n%s", html)
	}
	if !strings.Contains(html, `data-de="navigateur" data-vers="portal"`) || !strings.Contains(html, `data-de="portal" data-vers="proconnect"`) {
		t.Errorf("arrows do not go from the caller to the component:\n%s", html)
	}
}

// TestFoldDropsPolls: a step polling a status shows as one arrow.
func TestFoldDropsPolls(t *testing.T) {
	var list []control.Entry
	for i := range 5 {
		list = append(list, entry(i, "portal", "", "GET", "/api/status/A", "", "", ""))
	}
	list = append(list, entry(9, "proconnect", "", "GET", "/oidc/callback", "", "", ""))
	if got := Fold(list); len(got) != 2 {
		t.Errorf("folded to %d entries, want 2", len(got))
	}
}
