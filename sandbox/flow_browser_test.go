package sandbox_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/proconnect-sandbox/proconnect-sandbox/internal/browsertest"
	"github.com/proconnect-sandbox/proconnect-sandbox/sandbox"
	"github.com/proconnect-sandbox/proconnect-sandbox/sandbox/sandboxtest"
)

// TestFlowPictureDrawsACertification walks a certification in a browser
// (the portal, FranceConnect's login page, back to the portal), opens the
// portal's flow page from the return page, and finds, in order, an arrow
// for each exchange of the certification across the components; a click
// on PISTE's arrow shows its request and answer with the portal's secret
// and the token masked.
func TestFlowPictureDrawsACertification(t *testing.T) {
	ctx := browsertest.Drive(t, 1280, 90*time.Second)
	_, url := sandboxtest.Start(t, sandbox.Config{})
	portal := url("portal")

	err := chromedp.Do(ctx,
		chromedp.Navigate(portal+"/"),
		chromedp.SetValue(chromedp.CSS("#siren"), "901001008"),
		chromedp.Submit(chromedp.CSS("#siren")),
		chromedp.WaitVisible(chromedp.CSS(`button[value="angela"]`)),
		chromedp.Click(chromedp.CSS(`button[value="angela"]`)),
		chromedp.WaitVisible(chromedp.CSS("#outcome")),
	)
	if err != nil {
		t.Fatalf("walking the certification: %v", err)
	}
	outcome, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#outcome")))
	if err != nil {
		t.Fatal(err)
	}
	link, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("#lien-flux"), "href"))
	if err != nil {
		t.Fatal(err)
	}
	flowHref := link.Value
	if outcome != "certified" || !strings.HasPrefix(flowHref, "/flux?certification=") {
		t.Fatalf("outcome %q, flow link %q", outcome, flowHref)
	}
	want := []string{
		"navigateur>portal:démarrage",
		"portal>piste:jeton PISTE",
		"portal>proconnect:demande de certification",
		"navigateur>proconnect:départ vers FranceConnect",
		"navigateur>franceconnect:authorize",
		"navigateur>franceconnect:page de connexion",
		"navigateur>franceconnect:connexion",
		"navigateur>proconnect:retour de FranceConnect",
		"proconnect>franceconnect:jeton FranceConnect",
		"proconnect>franceconnect:userinfo",
		"proconnect>sirene:",
		"navigateur>portal:retour au portail",
		"portal>proconnect:lecture du résultat",
	}
	// the flow page opened without an ID follows this browser's certification
	if err := chromedp.Do(ctx, chromedp.Navigate(portal+"/flux"), chromedp.WaitVisible(chromedp.CSS("#flux-certification"))); err != nil {
		t.Fatal(err)
	}
	followed, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#flux-certification")))
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.TrimPrefix(flowHref, "/flux?certification="); followed != want {
		t.Errorf("/flux follows certification %q, want this browser's %q", followed, want)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(portal+flowHref)); err != nil {
		t.Fatal(err)
	}
	// the event reaches the portal on its own time: the page redraws itself
	var arrows []string
	for deadline := time.Now().Add(15 * time.Second); ; {
		arrows, err = chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('svg.flux a.fleche')).map(a => a.dataset.de + '>' + a.dataset.vers + ':' + a.dataset.libelle)`))
		if err != nil {
			t.Fatal(err)
		}
		if hasInOrder(arrows, want) && contains(arrows, "proconnect>portal:événement poussé") || time.Now().After(deadline) {
			break
		}
		time.Sleep(300 * time.Millisecond)
	}
	if !hasInOrder(arrows, want) {
		t.Errorf("the picture's arrows, in order:\n%s\nwant, in this order:\n%s", strings.Join(arrows, "\n"), strings.Join(want, "\n"))
	}
	if !contains(arrows, "proconnect>portal:événement poussé") {
		t.Errorf("no arrow for the event pushed to the portal in:\n%s", strings.Join(arrows, "\n"))
	}
	// each arrow has its label drawn
	labels, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('svg.flux a.fleche text').length`))
	if err != nil {
		t.Fatal(err)
	}
	if labels != len(arrows) {
		t.Errorf("%d labels drawn for %d arrows", labels, len(arrows))
	}
	shot, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS("svg.flux")))
	if err != nil {
		t.Fatal(err)
	}
	browsertest.SaveScreenshot(t, "portail-flux.png", shot)

	// click PISTE's arrow: its details open, secrets masked
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`svg.flux a.fleche[data-vers="piste"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flux-details details[open] pre`)),
	)
	if err != nil {
		t.Fatalf("clicking PISTE's arrow: %v", err)
	}
	details, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('.flux-details details[open]').innerText`))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"POST /api/oauth/token", "Authorization: Basic [redacted]", "grant_type=client_credentials", `"access_token": "[redacted]"`} {
		if !strings.Contains(details, w) {
			t.Errorf("the details of PISTE's arrow do not show %q:\n%s", w, details)
		}
	}
	for _, secret := range []string{"portail-demo-secret", "eyJ"} {
		if strings.Contains(details, secret) {
			t.Errorf("the details of PISTE's arrow show a secret (%q):\n%s", secret, details)
		}
	}
	if page, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		browsertest.SaveScreenshot(t, "portail-flux-details.png", page)
	}
}

// hasInOrder says whether want's items are, in that order, prefixes of
// items of got (other items may come between).
func hasInOrder(got, want []string) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && strings.HasPrefix(g, want[i]) {
			i++
		}
	}
	return i == len(want)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
