package sandbox_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/internal/browsertest"
	"github.com/proconnect-sandbox/proconnect-sandbox/sandbox"
	"github.com/proconnect-sandbox/proconnect-sandbox/sandbox/sandboxtest"
)

// ScreenshotsEnv names the folder where TestDemoPagesInBrowser keeps its
// screenshots (CI: reports/screenshots); without it they go to a
// temporary folder, checked then removed.
const ScreenshotsEnv = "PROCONNECT_SANDBOX_SCREENSHOTS"

const (
	desktop = 1280
	phone   = 390
)

// walk is a person going through the README's demo paths in headless
// Chromium: at each page it checks the status, runs axe-core and saves a
// screenshot.
type walk struct {
	t        *testing.T
	b        *browsertest.Browser
	axe      *browsertest.Axe
	dir      string
	n        int
	shots    []string
	problems []string
}

// page checks the page the browser shows, named name; phone adds a
// screenshot at a phone's width.
func (w *walk) page(name string, status int, err error, wantStatus int, phoneToo bool) {
	w.t.Helper()
	loc, _ := w.b.Location()
	if err != nil {
		w.t.Fatalf("%s (at %s): %v", name, loc, err)
	}
	if status != wantStatus {
		w.t.Fatalf("%s (%s): status %d, want %d", name, loc, status, wantStatus)
	}
	var frame struct {
		Badge, Main, Header, Footer, CSS bool
		H1                               int
	}
	if err := w.b.Eval(`({badge: (document.querySelector("header #bac-a-sable")||{}).textContent === "bac à sable",
		main: !!document.querySelector("main#contenu"), header: !!document.querySelector("header.fr-header"),
		footer: !!document.querySelector("footer.fr-footer"), h1: document.querySelectorAll("h1").length,
		css: getComputedStyle(document.querySelector(".fr-header") || document.body).getPropertyValue("--background-action-high-blue-france").trim() !== ""})`, &frame); err != nil {
		w.t.Fatalf("%s: %v", name, err)
	}
	if !frame.Badge || !frame.Main || !frame.Header || !frame.Footer || frame.H1 != 1 || !frame.CSS {
		w.problems = append(w.problems, fmt.Sprintf("%s (%s): frame %+v (want the « bac à sable » badge in the header, main, footer, one h1, the DSFR's stylesheet)", name, loc, frame))
	}
	w.n++
	base := fmt.Sprintf("%02d-%s", w.n, name)
	w.shoot(base, desktop)
	if w.axe != nil {
		found, err := w.b.Check(w.axe)
		if err != nil {
			w.t.Fatalf("%s: %v", name, err)
		}
		for _, v := range found {
			if v.Serious() {
				w.problems = append(w.problems, fmt.Sprintf("%s (%s): %s", name, loc, v))
			} else {
				w.t.Logf("%s: minor: %s (%s) on %d elements", name, v.ID, v.Impact, len(v.Nodes))
			}
		}
	}
	if phoneToo {
		if err := w.b.Resize(phone); err != nil {
			w.t.Fatal(err)
		}
		w.shoot(base+"-telephone", phone)
		if err := w.b.Resize(desktop); err != nil {
			w.t.Fatal(err)
		}
	}
}

func (w *walk) shoot(base string, width int) {
	w.t.Helper()
	png, err := w.b.Screenshot()
	if err != nil {
		w.t.Fatalf("%s: screenshot: %v", base, err)
	}
	name := base + ".png"
	if err := os.WriteFile(filepath.Join(w.dir, name), png, 0o644); err != nil {
		w.t.Fatal(err)
	}
	w.shots = append(w.shots, fmt.Sprintf("%s %d", name, width))
}

// href returns the address of the first link of the page whose href
// contains part and whose text contains text.
func (w *walk) href(part, text string) string {
	w.t.Helper()
	var h string
	expr := fmt.Sprintf(`([...document.querySelectorAll("a")].find(a => a.href.includes(%q) && a.textContent.includes(%q)) || {href: ""}).href`, part, text)
	if err := w.b.Eval(expr, &h); err != nil || h == "" {
		loc, _ := w.b.Location()
		w.t.Fatalf("no link to %q saying %q on %s (%v)", part, text, loc, err)
	}
	return h
}

// TestDemoPagesInBrowser walks every page of the README's demo paths in
// headless Chromium: the portal (home, start, return, account, alternative
// path, collaborator), FranceConnect (login, demo, error), ProConnect's own
// pages (contact email, access decision, errors) and the mail catcher (its
// control token page too). Each
// page has the shared frame and no "serious" or "critical" axe-core
// violation; each screenshot exists and is not blank.
func TestDemoPagesInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("not tested in -short: the demo pages in a browser")
	}
	if raceDetector {
		t.Skip("not tested under -race: the demo pages are walked by the run without the race detector (go test ./...)")
	}
	b := browsertest.Start(t)
	dir := os.Getenv(ScreenshotsEnv)
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var axe *browsertest.Axe
	if os.Getenv(browsertest.AxeEnv) != "" || os.Getenv("CI") == "true" {
		axe = browsertest.LoadAxe(t)
	}
	// a shared sandbox's control token: the mail catcher asks for it first
	_, url := sandboxtest.Start(t, sandbox.Config{ControlToken: "jeton-des-pages"})
	portal, fc, pc, mail := url("portal"), url("franceconnect"), url("proconnect"), url("mailbox")
	w := &walk{t: t, b: b, axe: axe, dir: dir}
	if err := b.Resize(desktop); err != nil {
		t.Fatal(err)
	}

	// 1. A dirigeant certifies the company's account.
	st, err := b.Open(portal + "/")
	w.page("portail-accueil", st, err, 200, true)
	st, err = b.Submit(map[string]string{"#siren": "901001008"}, "button.fr-connect")
	w.page("franceconnect-connexion", st, err, 200, false)
	st, err = b.Click(`button[name="persona"][value="angela"]`)
	w.page("portail-retour", st, err, 200, true)
	st, err = b.Click(`main a[href^="/compte/"]`)
	w.page("portail-compte", st, err, 200, true)
	// the live picture of that certification, opened beside the demo
	st, err = b.Open(portal + "/flux")
	w.page("portail-flux", st, err, 200, true)
	st, err = b.Open(portal + "/parcours-alternatif")
	w.page("portail-parcours-alternatif", st, err, 200, true)
	st, err = b.Open(portal + "/demarrer?siren=12345678")
	w.page("portail-siren-invalide", st, err, 400, false)

	// 2. FranceConnect alone.
	st, err = b.Open(fc + "/")
	w.page("franceconnect-accueil", st, err, 200, false)
	st, err = b.Open(fc + "/demo")
	if loc, _ := b.Location(); err == nil && strings.Contains(loc, "/interaction/") {
		// FranceConnect asks unless its session (the portal's login)
		// answers at once
		st, err = b.Click(`button[name="persona"][value="angela"]`)
	}
	w.page("franceconnect-demo", st, err, 200, false)
	st, err = b.Open(fc + "/nulle-part")
	w.page("franceconnect-erreur", st, err, 404, false)

	// 3. The dirigeant references a contact email… (another person:
	// FranceConnect's session of the portal's login is forgotten)
	if err := b.ClearCookies(); err != nil {
		t.Fatal(err)
	}
	st, err = b.Open(pc + "/")
	w.page("proconnect-accueil", st, err, 200, false)
	st, err = b.Open(pc + "/contact")
	w.page("proconnect-contact", st, err, 200, false)
	st, err = b.Submit(map[string]string{"#siren": "732829320"}, `button[name="go"]`)
	if err == nil {
		st, err = b.Submit(map[string]string{"#login": "dirigeant:732829320", "#password": "123"}, "#login-form button")
	}
	w.page("proconnect-contact-courriel", st, err, 200, false)
	st, err = b.Submit(map[string]string{"#email": "contact@entreprise.example"}, `button[name="go"]`)
	w.page("proconnect-contact-envoye", st, err, 200, false)
	st, err = b.Open(mail + "/")
	w.page("boite-aux-lettres-jeton", st, err, 401, false)
	st, err = b.Submit(map[string]string{"#jeton": "jeton-des-pages"}, "main form button")
	w.page("boite-aux-lettres", st, err, 200, false)
	st, err = b.Open(w.href("/messages/", ""))
	w.page("boite-aux-lettres-message", st, err, 200, false)
	st, err = b.Open(w.href("/contact/verifier", ""))
	w.page("proconnect-contact-verifie", st, err, 200, false)

	// … a collaborator asks for access, the dirigeant answers.
	st, err = b.Open(portal + "/collaborateur")
	w.page("portail-collaborateur", st, err, 200, true)
	st, err = b.Submit(map[string]string{"#siren": "732829320", "#given_name": "Camille", "#family_name": "Martin",
		"#email": "camille.martin@entreprise.example"}, "main form button")
	w.page("portail-collaborateur-demande", st, err, 200, true)
	collaborator, _ := b.Location()
	if _, err = b.Open(mail + "/"); err != nil {
		t.Fatal(err)
	}
	st, err = b.Open(w.href("/messages/", "Demande d"))
	w.page("boite-aux-lettres-demande", st, err, 200, false)
	st, err = b.Open(w.href("/demandes/", ""))
	w.page("proconnect-demande", st, err, 200, false)
	if err := b.ClearCookies(); err != nil {
		t.Fatal(err)
	}
	st, err = b.Click(`button[name="go"]`)
	if loc, _ := b.Location(); err == nil && strings.Contains(loc, "/interaction/") {
		st, err = b.Submit(map[string]string{"#login": "dirigeant:732829320", "#password": "123"}, "#login-form button")
	}
	w.page("proconnect-decision", st, err, 200, false)
	st, err = b.Click(`button[value="accepter"]`)
	w.page("proconnect-decision-prise", st, err, 200, false)
	st, err = b.Open(collaborator)
	w.page("portail-collaborateur-reponse", st, err, 200, true)

	// 4. ProConnect's error pages.
	st, err = b.Open(pc + "/certifications/inconnue/login")
	w.page("proconnect-lien-inconnu", st, err, 404, false)

	for _, p := range w.problems {
		t.Error(p)
	}
	// Every screenshot exists and shows a page.
	for _, s := range w.shots {
		name, width, _ := strings.Cut(s, " ")
		png, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("screenshot %s: %v", name, err)
			continue
		}
		want := desktop
		if width == fmt.Sprint(phone) {
			want = phone
		}
		if err := browsertest.CheckPNG(png, want); err != nil {
			t.Errorf("screenshot %s: %v", name, err)
		}
	}
	if n := len(w.shots); n < 29 || !slices.ContainsFunc(w.shots, func(s string) bool { return strings.HasSuffix(s, "-telephone.png 390") }) {
		t.Errorf("%d screenshots: %v", n, w.shots)
	}
	if axe == nil {
		t.Skipf("not tested: the accessibility check ($%s does not give axe-core's axe.min.js); the frame and %d screenshots were checked", browsertest.AxeEnv, len(w.shots))
	}
	t.Logf("%d pages, %d screenshots in %s, axe-core %s", w.n, len(w.shots), dir, axe.Version)
}
