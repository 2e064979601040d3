package sandbox

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestFlowPageReadsJournalsWithTheControlToken: in a sandbox whose control
// API asks for a token, the portal's flow page reads every other
// component's journal with it (no journal reported unreadable), while the
// journals stay closed to a caller without it.
func TestFlowPageReadsJournalsWithTheControlToken(t *testing.T) {
	ctx := context.Background()
	s, err := Start(ctx, Config{Ports: FreePorts(), ControlToken: "jeton-de-test"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	portal, _ := s.Service("portal")
	core, _ := s.Service("proconnect")
	get := func(u string) (int, string) {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get(core.PublicURL + "/__sandbox/journal"); code != http.StatusUnauthorized {
		t.Fatalf("the core's journal without the token: %d, want 401", code)
	}
	code, body := get(portal.PublicURL + "/flux/dessin?certification=une-certification")
	if code != http.StatusOK || strings.Contains(body, "illisibles") || !strings.Contains(body, "une-certification") {
		t.Fatalf("flow drawing: %d\n%s", code, body)
	}
	if got := journalPeers(map[string]Peer{"portal": {Internal: "p"}, "mailbox": {Internal: "m"}, "piste": {Internal: "http://piste"},
		"proconnect": {Internal: "http://pc"}}); strings.Join(got, " ") != "http://pc http://piste" {
		t.Errorf("journal peers %v, want the core and PISTE only", got)
	}
}
