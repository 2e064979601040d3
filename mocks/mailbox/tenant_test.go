package mailbox_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/control"
	"github.com/proconnect-sandbox/proconnect-sandbox/internal/testserver"
	"github.com/proconnect-sandbox/proconnect-sandbox/mocks/mailbox"
)

// TestPortalSeesAndStopsOnlyItsMail: in a shared sandbox, a portal's token
// reads the mail sent for its portal only, stops only that mail, and can
// neither empty the mailbox nor stop another portal's mail.
func TestPortalSeesAndStopsOnlyItsMail(t *testing.T) {
	kit := control.NewKit("mailbox", nil, "owner")
	_, addr, api := testserver.MailboxWith(t, mailbox.Config{Kit: kit})
	a, _, err := kit.IssuePortalToken("portail-a")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	mailFor := func(portal string) error {
		return send(ctx, addr, withHeaders(control.PortalHeader+": "+portal+"\r\n"))
	}
	call := func(method, path, token, body string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, api+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	for _, p := range []string{"portail-a", "portail-b"} {
		if err := mailFor(p); err != nil {
			t.Fatal(err)
		}
	}
	var list struct{ Messages []mailbox.Message }
	_, raw := call("GET", "/api/messages", a, "")
	if err := json.Unmarshal(raw, &list); err != nil || len(list.Messages) != 1 || list.Messages[0].Headers[control.PortalHeader][0] != "portail-a" {
		t.Fatalf("portail-a reads %s, want its one message", raw)
	}
	_, raw = call("GET", "/api/messages", "owner", "")
	if err := json.Unmarshal(raw, &list); err != nil || len(list.Messages) != 2 {
		t.Fatalf("the owner reads %s, want both messages", raw)
	}
	bID := list.Messages[0].ID // newest first: portail-b's
	if code, _ := call("GET", "/api/messages/"+bID, a, ""); code != http.StatusNotFound {
		t.Errorf("portail-a reading portail-b's message: %d, want 404", code)
	}
	for _, tc := range []struct{ method, path, body string }{
		{"DELETE", "/api/messages", ""},
		{"POST", "/__sandbox/smtp-outage", `{"messages":1,"portal":"portail-b"}`},
		{"POST", "/__sandbox/reset", ""},
	} {
		if code, raw := call(tc.method, tc.path, a, tc.body); code != http.StatusForbidden {
			t.Errorf("%s %s %s with portail-a's token: %d %s, want 403", tc.method, tc.path, tc.body, code, raw)
		}
	}
	if code, raw := call("POST", "/__sandbox/smtp-outage", a, `{"messages":1}`); code != http.StatusOK {
		t.Fatalf("portail-a's outage: %d %s", code, raw)
	}
	if err := mailFor("portail-b"); err != nil {
		t.Errorf("portail-b's mail during portail-a's outage: %v", err)
	}
	if err := send(ctx, addr, withHeaders("")); err != nil {
		t.Errorf("a mail of no portal during portail-a's outage: %v", err)
	}
	if err := mailFor("portail-a"); err == nil || !strings.Contains(err.Error(), "451") {
		t.Errorf("portail-a's mail during its outage: %v, want a 451", err)
	}
	if err := mailFor("portail-a"); err != nil {
		t.Errorf("portail-a's mail after its outage: %v", err)
	}
}
