package sandbox

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/mocks/apientreprise"
)

// TestAPIEntrepriseSeesRegisterOfAnotherProcess: started apart, as with
// docker compose (one container per component), API Entreprise sees a
// scenario's change of the register: a dirigeant who left is no longer a
// mandataire. ProConnect reads API Entreprise when the RNE fails; a stale
// copy there kept a departed dirigeant certified.
func TestAPIEntrepriseSeesRegisterOfAnotherProcess(t *testing.T) {
	ctx := context.Background()
	const token = "jeton-de-controle"
	reg, err := Start(ctx, Config{Only: []string{"sirene"}, Ports: FreePorts(), ControlToken: token})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close(ctx)
	sir, _ := reg.Service("sirene")
	apie, err := Start(ctx, Config{Only: []string{"apientreprise"}, Ports: FreePorts(), ControlToken: token,
		InternalURLs: map[string]string{"sirene": sir.InternalURL}})
	if err != nil {
		t.Fatal(err)
	}
	defer apie.Close(ctx)
	svc, _ := apie.Service("apientreprise")
	const siren = "123456782"
	count := func() int {
		req, _ := http.NewRequest(http.MethodGet, svc.InternalURL+"/v3/infogreffe/rcs/unites_legales/"+siren+
			"/mandataires_sociaux?context=t&object=t&recipient=13002526500013", nil)
		req.Header.Set("Authorization", "Bearer "+apientreprise.DemoToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct{ Data []any }
		if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&out) != nil {
			t.Fatalf("mandataires: %d", resp.StatusCode)
		}
		return len(out.Data)
	}
	before := count()
	req, _ := http.NewRequest(http.MethodPost, sir.InternalURL+"/__sandbox/companies/"+siren+"/dirigeants/1/leave", strings.NewReader("{}"))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("leave: %d", resp.StatusCode)
	}
	if after := count(); after != before-1 {
		t.Errorf("API Entreprise lists %d mandataires after one left at the register, want %d", after, before-1)
	}
}
