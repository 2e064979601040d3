package browsertest

import (
	"bytes"
	"image/png"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestCheckPNGRefusesBlank(t *testing.T) {
	var b bytes.Buffer
	if err := png.Encode(&b, blank(390, 800)); err != nil {
		t.Fatal(err)
	}
	if err := CheckPNG(b.Bytes(), 390); err == nil || !strings.Contains(err.Error(), "blank") {
		t.Fatalf("a blank PNG: %v", err)
	}
	if err := CheckPNG(b.Bytes(), 1280); err == nil {
		t.Fatal("a PNG of the wrong width passed")
	}
	if err := CheckPNG([]byte("not a png"), 390); err == nil {
		t.Fatal("not a PNG passed")
	}
}

// TestBrowserFindsViolations: the checker runs in a real page, finds an
// input without a label and text without contrast, and finds nothing
// serious on a correct page; the screenshot shows the page.
func TestBrowserFindsViolations(t *testing.T) {
	b := Start(t)
	axe := LoadAxe(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		head := `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Essai</title></head><body><main><h1>Essai</h1>`
		switch r.URL.Path {
		case "/bad":
			_, _ = w.Write([]byte(head + `<form><input name="siren"></form><p style="color:#eee;background:#fff">illisible</p></main></body></html>`))
		case "/good":
			_, _ = w.Write([]byte(head + `<form action="/next"><div style="background:#000091;color:#fff;height:300px">Bloc</div><label for="siren">SIREN</label><input id="siren" name="siren"><button>Envoyer</button></form></main></body></html>`))
		default:
			_, _ = w.Write([]byte(head + `<p id="q">` + r.URL.Query().Get("siren") + `</p></main></body></html>`))
		}
	}))
	defer srv.Close()
	if status, err := b.Open(srv.URL + "/bad"); err != nil || status != 200 {
		t.Fatalf("open: %d %v", status, err)
	}
	var lang string
	if err := b.Eval(`navigator.language`, &lang); err != nil || lang != "fr-FR" {
		t.Errorf("the browser speaks %q (%v), want fr-FR", lang, err)
	}
	found, err := b.Check(axe)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, v := range found {
		if v.Serious() {
			ids[v.ID] = true
		}
	}
	if !ids["label"] || !ids["color-contrast"] {
		t.Fatalf("axe-core %s found %v, want label and color-contrast", axe.Version, found)
	}
	if err := b.Resize(390); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Open(srv.URL + "/good"); err != nil {
		t.Fatal(err)
	}
	found, err = b.Check(axe)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range found {
		if v.Serious() {
			t.Errorf("a correct page: %s", v)
		}
	}
	shot, err := b.Screenshot()
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckPNG(shot, 390); err != nil {
		t.Errorf("screenshot: %v", err)
	}
	if _, err := b.Submit(map[string]string{"#siren": "901001008"}, "button"); err != nil {
		t.Fatal(err)
	}
	var text string
	if err := b.Eval(`document.getElementById("q").textContent`, &text); err != nil || text != "901001008" {
		t.Fatalf("after the form: %q %v", text, err)
	}
}
