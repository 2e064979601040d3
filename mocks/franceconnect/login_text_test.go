package franceconnect

import (
	"html"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
)

var (
	styleBlock = regexp.MustCompile(`(?s)<style>.*?</style>`)
	htmlTag    = regexp.MustCompile(`<[^>]*>`)
	// englishWord are words a French page does not hold: one in the visible
	// text means a sentence was left in English (issue 15).
	englishWord = regexp.MustCompile(`(?i)\b(the|with|of|and|by|from|is|not|who|whose|born|match|refuses|answers|abroad|login|password|submit|sandbox)\b`)
)

// visibleText is what a person reads on a page: no markup, no style.
func visibleText(page string) string {
	return strings.Join(strings.Fields(html.UnescapeString(htmlTag.ReplaceAllString(styleBlock.ReplaceAllString(page, ""), " "))), " ")
}

// TestLoginPageIsFrench: the login page of both profiles describes the
// default personas in French, and shows no English sentence.
func TestLoginPageIsFrench(t *testing.T) {
	set, err := fixtures.Default()
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(Config{PublicURL: "http://127.0.0.1:7101", Fixtures: set})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range set.Clients {
		entry, _ := m.client(c.ClientID)
		rec := httptest.NewRecorder()
		m.renderLogin(rec, http.StatusOK, &interaction{uid: randomID(), client: entry}, "", "")
		text := visibleText(rec.Body.String())
		for _, want := range []string{
			"Dirigeante de l'entreprise 901001008",
			"Naissance à l'étranger",
			"Identité européenne (eIDAS)",
			"Refus Y600006 :",
			"Choisir une identité de test",
			"Se connecter",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("client %s: the login page does not say %q", c.ClientID, want)
			}
		}
		// The personas' logins are identifiers, not sentences.
		for _, p := range m.listedPersonas {
			text = strings.ReplaceAll(text, p.Login, "")
		}
		if w := englishWord.FindString(text); w != "" {
			i := strings.Index(text, w)
			t.Errorf("client %s: English word %q on the login page: …%s…", c.ClientID, w, text[max(0, i-60):min(len(text), i+60)])
		}
	}
}

// TestDefaultPersonasDescribedInFrench: every default persona's description,
// shown on the login and home pages, is French.
func TestDefaultPersonasDescribedInFrench(t *testing.T) {
	set, err := fixtures.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range set.Personas {
		if p.Demonstrates == "" {
			t.Errorf("%s: no description", p.Login)
		}
		if w := englishWord.FindString(p.Demonstrates); w != "" {
			t.Errorf("%s: English word %q in %q", p.Login, w, p.Demonstrates)
		}
	}
}
