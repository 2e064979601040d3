package portal

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestFlowPageSaysWhatItCannotRead: the flow page of a portal that has
// started no certification says so; asked for one while a component's
// journal cannot be read, it still answers, saying which journal failed,
// and draws what the others hold (here, the portal's own exchange).
func TestFlowPageSaysWhatItCannotRead(t *testing.T) {
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) }))
	defer down.Close()
	p, err := New(Config{PublicURL: "http://localhost:7104", ProConnectURL: "http://localhost:7100",
		PisteURL: "http://localhost:7103", ClientID: "portail-demo", ClientSecret: "s", Journals: []string{down.URL}})
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string) (int, string) {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Host = "localhost"
		rec := httptest.NewRecorder()
		p.ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}
	if code, body := get("/flux"); code != http.StatusOK || !strings.Contains(body, "Aucune certification démarrée") {
		t.Fatalf("flow page without a certification: %d\n%s", code, body)
	}
	if code, body := get("/retour?certification_id=cert-1&state=x"); code != http.StatusBadRequest {
		t.Fatalf("return without the state cookie: %d\n%s", code, body)
	}
	code, body := get("/flux/dessin?certification=cert-1")
	if code != http.StatusOK || !strings.Contains(body, "Certains journaux sont illisibles") || !strings.Contains(body, down.URL) {
		t.Fatalf("drawing with a journal down: %d\n%s", code, body)
	}
	if !strings.Contains(body, `data-libelle="retour au portail"`) {
		t.Errorf("the portal's own exchange of cert-1 is not drawn:\n%s", body)
	}
}

// TestHomeAndReturnLinkToTheFlowPage: the home page and the return page
// open the flow page in a new tab.
func TestHomeAndReturnLinkToTheFlowPage(t *testing.T) {
	p := newTestPortal(t)
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Host = "localhost"
	rec := httptest.NewRecorder()
	p.ServeHTTP(rec, req)
	if !strings.Contains(rec.Body.String(), `href="/flux" target="_blank"`) {
		t.Errorf("the home page does not link to the flow page:\n%s", rec.Body.String())
	}
	var buf strings.Builder
	if err := pages().ExecuteTemplate(&buf, "result.html", view{Account: "cert-9", Title: "t"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `href="/flux?certification=cert-9" target="_blank"`) {
		t.Errorf("the return page does not link to its certification's flow:\n%s", buf.String())
	}
}
