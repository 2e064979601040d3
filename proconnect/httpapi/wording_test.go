package httpapi

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect/inmem"
)

// TestDecisionPageTimeInParis: the access request's expiry is shown in
// Paris time, summer and winter, from the embedded zone data.
func TestDecisionPageTimeInParis(t *testing.T) {
	c := &Core{zone: parisZone(), portals: newPortals([]fixtures.Portal{{ClientID: "portail-demo", Name: "Portail de démonstration"}}, "", inmem.New())}
	if c.zone.String() != "Europe/Paris" {
		t.Fatalf("zone %s, want Europe/Paris", c.zone)
	}
	tests := []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, 1, 15, 9, 30, 0, 0, time.UTC), "15/01/2026 à 10:30 (heure de Paris)"},
		{time.Date(2026, 7, 1, 22, 30, 0, 0, time.UTC), "02/07/2026 à 00:30 (heure de Paris)"},
	}
	for _, tt := range tests {
		f := c.accessFacts(context.Background(), proconnect.AccessRequest{PortalID: "portail-demo", SIREN: "901001008", ExpiresAt: tt.at})
		got := f.Facts[len(f.Facts)-1]
		if got.Label != "Demande expirant le" || got.Value != tt.want {
			t.Errorf("%s: %+v, want %q", tt.at, got, tt.want)
		}
	}
}

// TestAccessMailSubjectReadsWell: the subject quotes the portal's name, so
// it reads well whether or not the name starts with « Portail ».
func TestAccessMailSubjectReadsWell(t *testing.T) {
	c := &Core{cfg: Config{PublicURL: "http://localhost:7100"}}
	a := proconnect.AccessRequest{ID: "a1", PortalID: "portail-demo", SIREN: "901001008",
		Collaborator: proconnect.Collaborator{Email: "camille@exemple.test", GivenName: "Camille", FamilyName: "Martin"}}
	tests := []struct{ name, want string }{
		{"Portail de démonstration", "Demande d'accès de Camille Martin à « Portail de démonstration »"},
		{"impots.gouv.fr", "Demande d'accès de Camille Martin à « impots.gouv.fr »"},
		{"", "Demande d'accès de Camille Martin à « portail-demo »"},
	}
	for _, tt := range tests {
		m := c.accessMail(a, tt.name, "jeton")
		if m.Subject != tt.want {
			t.Errorf("%q: subject %q, want %q", tt.name, m.Subject, tt.want)
		}
		if strings.Contains(m.Text, "au portail Portail") || strings.Contains(m.Text, "au portail « Portail") {
			t.Errorf("%q: text %q", tt.name, m.Text)
		}
	}
}

// TestEveryRefusalWorded: every outcome but certified, and every access
// status, has its French words for the dirigeant's pages (no raw code).
func TestEveryRefusalWorded(t *testing.T) {
	for _, o := range []proconnect.Outcome{proconnect.OutcomeCloseMatch, proconnect.OutcomeNotDirigeant, proconnect.OutcomeCompanyNotFound,
		proconnect.OutcomeCompanyCeased, proconnect.OutcomeNotCovered, proconnect.OutcomeUnsupportedIdentity,
		proconnect.OutcomeCancelled, proconnect.OutcomeError} {
		if w := outcomeWords[o]; w == "" || strings.Contains(w, string(o)) {
			t.Errorf("outcome %s: %q", o, w)
		}
	}
	for _, s := range []proconnect.AccessStatus{proconnect.AccessPending, proconnect.AccessApproved, proconnect.AccessRefused, proconnect.AccessExpired} {
		if w := accessStatusWords[s]; w == "" || w == string(s) {
			t.Errorf("status %s: %q", s, w)
		}
	}
}
