package report

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/proconnect-sandbox/proconnect-sandbox/control"
	"github.com/proconnect-sandbox/proconnect-sandbox/internal/browsertest"
)

// scenarioExchanges are the journal entries of a certification as the
// components record them (ends of exchanges, nested calls first).
func scenarioExchanges() []Exchange {
	t0 := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	return []Exchange{
		{Time: at(5), DurationMS: 3, Component: "piste", From: "portal", Method: "POST", Path: "/api/oauth/token", Status: 200,
			Request:  &control.Message{Headers: []control.HeaderLine{{Name: "Authorization", Value: "Basic [redacted]"}}, Body: "grant_type=client_credentials"},
			Response: &control.Message{Body: `{"access_token": "[redacted]"}`}},
		{Time: at(9), DurationMS: 3, Component: "proconnect", From: "portal", Method: "POST", Path: "/api/v1/certifications", Status: 201},
		{Time: at(10), DurationMS: 9, Component: "portal", Method: "GET", Path: "/demarrer", Query: "siren=901001008", Status: 303},
		{Time: at(20), DurationMS: 2, Component: "franceconnect", Method: "GET", Path: "/api/v2/authorize", Query: "state=%5Bredacted%5D", Status: 303},
		{Time: at(40), DurationMS: 4, Component: "franceconnect", From: "proconnect", Method: "POST", Path: "/api/v2/token", Status: 200},
		{Time: at(44), DurationMS: 1, Component: "sirene", From: "proconnect", Method: "GET", Path: "/api/companies/901001008", Status: 200},
		{Time: at(50), DurationMS: 15, Component: "proconnect", Method: "GET", Path: "/oidc/callback", Status: 303},
	}
}

// scenarioDeliveries are the core's deliveries of the scenario (its
// /__sandbox/attempts), which no journal tags with the scenario.
func scenarioDeliveries() []Delivery {
	return []Delivery{{Time: time.Date(2026, 12, 2, 10, 0, 0, 58_000_000, time.UTC), DurationMS: 2, EventType: "certification.completed",
		URL: "http://127.0.0.1:7104/api/psp/events", KID: "proconnect-es256-1", Status: 400, Answer: `{"error":"invalid_aud"}`}}
}

// TestHTMLReportPictureOnAPhone opens the report at 390 px wide: the page
// does not scroll sideways (the picture and the tables scroll in their
// boxes), the failed scenario's picture has its arrows in the order the
// exchanges began, and a click on an arrow opens its details.
func TestHTMLReportPictureOnAPhone(t *testing.T) {
	ctx := browsertest.Drive(t, 390, 60*time.Second)
	sum := Summary{Started: time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC), Duration: 2.5, Suites: []string{"portail"},
		Target: map[string]string{"proconnect": "http://127.0.0.1:7100/un/chemin/tres/long/qui/ne/se/coupe/pas/facilement"},
		Counts: map[string]int{StatusFailed: 1},
		Scenarios: []ScenarioResult{{ID: "portail/evenements.feature:12", Name: "Le portail refuse un événement d'une autre audience",
			Suite: "portail", Status: StatusFailed, Error: "le portail a répondu 400", FailedStep: "ProConnect envoie l'événement"}}}
	file := filepath.Join(t.TempDir(), "rapport.html")
	details := map[string]*Detail{"portail/evenements.feature:12": {Exchanges: scenarioExchanges(), Deliveries: scenarioDeliveries(),
		Steps: []StepResult{{Text: "ProConnect envoie l'événement", Status: StatusFailed, Error: "le portail a répondu 400"}}}}
	if err := WriteHTML(file, sum, details); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Navigate("file://"+file), chromedp.WaitVisible(chromedp.CSS("svg.flux"))); err != nil {
		t.Fatal(err)
	}
	width, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	if err != nil {
		t.Fatal(err)
	}
	if width > 390 {
		t.Errorf("the report is %d px wide on a 390 px screen: the page scrolls sideways", width)
	}
	arrows, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('svg.flux a.fleche')).map(a => a.dataset.de + '>' + a.dataset.vers + ':' + a.dataset.libelle)`))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"navigateur>portal:démarrage", "portal>piste:jeton PISTE", "portal>proconnect:demande de certification",
		"navigateur>franceconnect:authorize", "navigateur>proconnect:retour de FranceConnect",
		"proconnect>franceconnect:jeton FranceConnect", "proconnect>sirene:RNE : dirigeants", "proconnect>portal:événement poussé"}
	if strings.Join(arrows, "\n") != strings.Join(want, "\n") {
		t.Errorf("arrows:\n%s\nwant:\n%s", strings.Join(arrows, "\n"), strings.Join(want, "\n"))
	}
	shot, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS(".flux-cadre")))
	if err != nil {
		t.Fatal(err)
	}
	browsertest.SaveScreenshot(t, "rapport-flux-390.png", shot)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`svg.flux a.fleche[data-vers="piste"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flux-details details[open] pre`))); err != nil {
		t.Fatalf("clicking PISTE's arrow: %v", err)
	}
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('.flux-details details[open]').innerText`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "Authorization: Basic [redacted]") || !strings.Contains(text, "grant_type=client_credentials") {
		t.Errorf("the details of PISTE's arrow:\n%s", text)
	}
	if width, err = chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); err != nil || width > 390 {
		t.Errorf("with the details open, the report is %d px wide on a 390 px screen (%v)", width, err)
	}
	if page, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		browsertest.SaveScreenshot(t, "rapport-390.png", page)
	}
}
