package portal

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/control"
)

// TestOwnTokenMovesTheClock: in a shared sandbox, the team holding the
// reference portal's own control token may let time pass for it (the
// suites do, instead of sleeping), and put it back; another portal's token
// may not, nor may the portal's token make the owner's other calls.
func TestOwnTokenMovesTheClock(t *testing.T) {
	kit := control.NewKit("portal", nil, "jeton-du-proprietaire")
	p, err := New(Config{PublicURL: "http://localhost:7104", ProConnectURL: "http://localhost:7100", PisteURL: "http://localhost:7103",
		ClientID: "portail-demo", ClientSecret: "secret", Kit: kit})
	if err != nil {
		t.Fatal(err)
	}
	own, _, err := kit.IssuePortalToken("portail-demo")
	if err != nil {
		t.Fatal(err)
	}
	other, _, err := kit.IssuePortalToken("portail-equipe-b")
	if err != nil {
		t.Fatal(err)
	}
	call := func(method, path, token, body string) int {
		t.Helper()
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Host = "localhost:7104"
		req.Header.Set("Authorization", "Bearer "+token)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		rec := httptest.NewRecorder()
		p.ServeHTTP(rec, req)
		return rec.Code
	}
	if got := call(http.MethodPost, "/__sandbox/clock", other, `{"advance":"5s"}`); got != http.StatusForbidden {
		t.Errorf("another portal's token moved the clock: %d", got)
	}
	if kit.Clock.Offset() != 0 {
		t.Fatalf("the clock moved: %v", kit.Clock.Offset())
	}
	if got := call(http.MethodPost, "/__sandbox/clock", own, `{"advance":"5s"}`); got != http.StatusOK {
		t.Fatalf("the portal's own token: %d", got)
	}
	if off := kit.Clock.Offset(); off.Seconds() < 5 {
		t.Fatalf("offset %v after advancing 5s", off)
	}
	if got := call(http.MethodDelete, "/__sandbox/clock", own, ""); got != http.StatusOK {
		t.Fatalf("putting it back: %d", got)
	}
	if kit.Clock.Offset() != 0 {
		t.Fatalf("the clock stayed %v ahead", kit.Clock.Offset())
	}
	if got := call(http.MethodPost, "/__sandbox/reset", own, ""); got != http.StatusForbidden {
		t.Errorf("the portal's token reset the portal: %d", got)
	}
}
