package httpapi

import (
	"strings"
	"testing"
)

// TestLoginFormUsesFranceConnectButton: a form whose only button sends the
// dirigeant to FranceConnect shows FranceConnect's official button (the
// DSFR's fr-connect), its name and value unchanged; other forms keep
// their buttons.
func TestLoginFormUsesFranceConnectButton(t *testing.T) {
	var login, decide strings.Builder
	if err := pages().ExecuteTemplate(&login, "form", form{Title: "Connexion", Action: "/contact/connexion",
		Inputs: []field{{Name: "siren", Label: "Numéro SIREN", Type: "text"}}, Buttons: []button{{Name: "go", Value: "1", Label: fcLogin}}}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(login.String(), `<button class="fr-connect" type="submit" name="go" value="1"><span class="fr-connect__login">S’identifier avec</span> <span class="fr-connect__brand">FranceConnect</span></button>`) {
		t.Errorf("no FranceConnect button:\n%s", login.String())
	}
	if err := pages().ExecuteTemplate(&decide, "form", form{Title: "Décision", Action: "/demandes/x/decision",
		Buttons: []button{{Name: "choix", Value: "accepter", Label: "Accepter"}, {Name: "choix", Value: "refuser", Label: "Refuser"}}}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<button class="fr-btn" type="submit" name="choix" value="accepter">Accepter</button>`,
		`<button class="fr-btn fr-btn--secondary" type="submit" name="choix" value="refuser">Refuser</button>`} {
		if !strings.Contains(decide.String(), want) {
			t.Errorf("no %s:\n%s", want, decide.String())
		}
	}
	if strings.Contains(decide.String(), "fr-connect") {
		t.Error("the decision's buttons became FranceConnect's")
	}
}
