package harness

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// TestBrowserKeepsWhatChromiumKeeps drives a portal that binds its state to
// the browser with a quoted JSON cookie (Chromium keeps it; Go's cookie jar
// dropped it, and the return page answered 400).
func TestBrowserKeepsWhatChromiumKeeps(t *testing.T) {
	const value = `"{\"state\":\"abc\",\"siren\":\"901001008\"}"`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/demarrer":
			w.Header().Add("Set-Cookie", "portail_state="+value+"; Path=/; HttpOnly; SameSite=Lax")
			http.Redirect(w, r, "/retour?state=abc", http.StatusFound)
		case "/retour":
			if !strings.Contains(r.Header.Get("Cookie"), "portail_state="+value) {
				http.Error(w, "state cookie missing: "+r.Header.Get("Cookie"), http.StatusBadRequest)
				return
			}
			_, _ = w.Write([]byte("<html><head><title>x</title></head><body><h1>Bienvenue</h1></body></html>"))
		}
	}))
	defer srv.Close()
	d := newDriver(http.DefaultTransport, "test", srv.URL)
	e, err := d.open(srv.URL + "/demarrer")
	if err != nil {
		t.Fatal(err)
	}
	if e.status != http.StatusOK {
		t.Fatalf("the return page: %s", e.describe())
	}
	if got := visibleText(e.body, 100); got != "Bienvenue" {
		t.Errorf("visible text %q, want %q (no head)", got, "Bienvenue")
	}
	if len(d.refused) != 0 {
		t.Errorf("refused cookies: %v", d.refused)
	}
}

// TestDescribeQuotesVisibleText checks that a failing step sees the page as
// a person does, not its head.
func TestDescribeQuotesVisibleText(t *testing.T) {
	page := `<!doctype html><html><head><style>body{color:red}` + strings.Repeat("x", 400) + `</style><script>var a=1</script></head>
<body><header>Portail</header><main><h1>Service indisponible</h1><p>PISTE a refusé le jeton.</p></main></body></html>`
	u, _ := url.Parse("http://localhost:8080/demarrer?siren=901001008&state=secret")
	e := &exchange{status: 503, method: "GET", body: []byte(page), url: u}
	got := e.describe()
	for _, want := range []string{"statut 503", "/demarrer?siren=901001008", "Service indisponible PISTE a refusé le jeton."} {
		if !strings.Contains(got, want) {
			t.Errorf("describe() = %q, lacks %q", got, want)
		}
	}
	for _, not := range []string{"color:red", "var a", "secret", "Portail"} {
		if strings.Contains(got, not) {
			t.Errorf("describe() = %q, shows %q", got, not)
		}
	}
}

func TestOffersAlternative(t *testing.T) {
	for _, tc := range []struct {
		page string
		want bool
	}{
		{`<p><a href="/parcours-alternatif?certification_id=x">Déposer mon dossier</a></p>`, true},
		{`<div id="alternative"><p>Déposez un extrait</p><a href="https://www.demarches-simplifiees.fr/commencer/x">Déposer</a></div>`, true},
		{`<a data-proconnect="parcours-alternatif" href="mailto:agent@portail.test">Écrire à un agent</a>`, true},
		{`<form action="/dossier" method="post"><button>Envoyer via le parcours alternatif</button></form>`, true},
		{`<div id="alternative"><p>Un agent vous rappellera.</p></div>`, false}, // nothing to follow
		{`<p>Parcours alternatif : revenez plus tard.</p><a href="/">Accueil</a>`, false},
		{`<a href="/">Accueil</a>`, false},
	} {
		if got := offersAlternative([]byte(tc.page)); got != tc.want {
			t.Errorf("offersAlternative(%s) = %v, want %v", tc.page, got, tc.want)
		}
	}
}
