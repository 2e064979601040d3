package harness

import (
	"bytes"
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/mocks/portal"
)

// team is one portal team of a shared sandbox: its portal's declaration.
type team struct {
	name string
	decl *PortalDeclaration
}

// secondTeam starts another team's reference portal (client
// portail-equipe-b) on its own port, against the core at core and PISTE
// at piste, and returns its team; the server stops with the test.
func secondTeam(t *testing.T, core, piste string) team {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	base := "http://" + ts.Listener.Addr().String()
	second, err := portal.New(portal.Config{PublicURL: base, ProConnectURL: core, ProConnectIssuer: core,
		PisteURL: piste, ClientID: "portail-equipe-b", ClientSecret: "secret-equipe-b"})
	if err != nil {
		t.Fatal(err)
	}
	ts.Config.Handler = second
	ts.Start()
	t.Cleanup(ts.Close)
	decl := ReferencePortal(base)
	decl.Name, decl.ClientID, decl.ClientSecret = "Portail de l'équipe B", "portail-equipe-b", "secret-equipe-b"
	return team{"B (portail-equipe-b)", decl}
}

// runTeamsAtOnce runs the portail suite (tags) for every team at the same
// time, each against target(its declaration), and fails the test unless
// every run used its portal's own control token and passed with every
// scenario applying.
func runTeamsAtOnce(t *testing.T, tags string, teams []team, target func(*PortalDeclaration) Target) {
	t.Helper()
	results := make([]Result, len(teams))
	outs := make([]bytes.Buffer, len(teams))
	errs := make([]error, len(teams))
	var wg sync.WaitGroup
	for i, tm := range teams {
		wg.Go(func() {
			results[i], errs[i] = Run(context.Background(), RunOptions{Suites: []string{"portail"}, Tags: tags, Format: "progress", Concurrency: 4,
				Output: &outs[i], NoColors: true, Target: target(tm.decl)})
		})
	}
	wg.Wait()
	for i, tm := range teams {
		res, out := results[i], outs[i].String()
		if errs[i] != nil {
			t.Errorf("team %s: the run could not happen: %v\n%s", tm.name, errs[i], out)
			continue
		}
		if !strings.Contains(out, "son jeton de contrôle") {
			t.Errorf("team %s ran without its portal's control token:\n%s", tm.name, out)
		}
		t.Logf("team %s: %s (%d passed)", tm.name, res.Verdict, res.PassedCount)
		if !res.Passed || res.FailedCount != 0 || len(res.NotApplicable) != 0 || res.PassedCount == 0 {
			t.Errorf("team %s: %s; failed %v; not applicable %v\n%s", tm.name, res.Verdict, res.Failed, res.NotApplicable, out)
		}
	}
}
