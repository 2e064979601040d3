package sandbox

import (
	"context"
	"net/http"
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/mocks/apientreprise"
	"github.com/proconnect-sandbox/proconnect-sandbox/sandbox/layout"
)

// TestAPIEntrepriseComponent: API Entreprise is a component of its own,
// on 7106 by default, started with the others and answering with the
// sandbox token.
func TestAPIEntrepriseComponent(t *testing.T) {
	c, ok := layout.Get("apientreprise")
	if !ok || c.Port != 7106 {
		t.Fatalf("layout: %+v %v", c, ok)
	}
	seen := map[int]string{layout.SMTPPort: layout.SMTPKey}
	for _, c := range layout.Components() {
		if other, dup := seen[c.Port]; dup {
			t.Errorf("%s and %s share port %d", c.Name, other, c.Port)
		}
		seen[c.Port] = c.Name
	}
	ctx := context.Background()
	s, err := Start(ctx, Config{Ports: FreePorts()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	svc, ok := s.Service("apientreprise")
	if !ok {
		t.Fatal("no apientreprise service")
	}
	req, _ := http.NewRequest(http.MethodGet, svc.InternalURL+"/v3/infogreffe/rcs/unites_legales/901001008/mandataires_sociaux?context=t&object=t&recipient=13002526500013", nil)
	req.Header.Set("Authorization", "Bearer "+apientreprise.DemoToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("mandataires: %d", resp.StatusCode)
	}
}
