package httpapi

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/control"
	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
	"github.com/proconnect-sandbox/proconnect-sandbox/mocks/apientreprise"
	"github.com/proconnect-sandbox/proconnect-sandbox/mocks/sirene"
	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
)

// TestRNEBirthplace checks ProConnect's reading of the RNE's birthplace:
// the commune code counts only with a postal code, well formed, and not a
// country code.
func TestRNEBirthplace(t *testing.T) {
	tests := []struct {
		name, postal, code, want string
	}{
		{"commune with its postal code", "13001", "13055", "13055"},
		{"Corsica", "20000", "2A004", "2A004"},
		{"Haute-Corse", "20200", "2B033", "2B033"},
		{"no postal code", "", "13055", ""},
		{"no commune code", "13001", "", ""},
		{"too short", "13001", "1234", ""},
		{"letters", "13001", "1305A", ""},
		{"2C is no département", "20000", "2C004", ""},
		{"country code", "99000", "99217", ""},
		{"six digits", "13001", "130550", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := rneBirthplace(tt.postal, tt.code); got != tt.want {
				t.Errorf("rneBirthplace(%q, %q) = %q, want %q", tt.postal, tt.code, got, tt.want)
			}
		})
	}
}

// registers starts the register mock and the API Entreprise mock, and a
// register client reading both; logs collects the client's log.
func registers(t *testing.T, withAPIE bool) (*registerClient, *sirene.Mock, *apientreprise.Mock, *bytes.Buffer) {
	t.Helper()
	set, err := fixtures.Default()
	if err != nil {
		t.Fatal(err)
	}
	sir, err := sirene.New(sirene.Config{Fixtures: set})
	if err != nil {
		t.Fatal(err)
	}
	apie, err := apientreprise.New(apientreprise.Config{Fixtures: set})
	if err != nil {
		t.Fatal(err)
	}
	sirSrv, apieSrv := httptest.NewServer(sir), httptest.NewServer(apie)
	t.Cleanup(sirSrv.Close)
	t.Cleanup(apieSrv.Close)
	logs := &bytes.Buffer{}
	cfg := Config{SireneURL: sirSrv.URL, RNEUser: sirene.DemoRNEUser, RNEPassword: sirene.DemoRNEPassword,
		INSEEClientID: sirene.DemoINSEEClientID, INSEEClientSecret: sirene.DemoINSEEClientSecret,
		INSEEUser: sirene.DemoINSEEUser, INSEEPassword: sirene.DemoINSEEPassword,
		HTTPClient: sirSrv.Client(), Logger: slog.New(slog.NewTextHandler(logs, nil))}
	if withAPIE {
		cfg.APIEntrepriseURL, cfg.APIEntrepriseToken = apieSrv.URL, apientreprise.DemoToken
	}
	return newRegisterClient(cfg), sir, apie, logs
}

// TestFallbackToAPIEntreprise checks that any RNE failure, a 404
// included, sends the core to API Entreprise, which is logged with the
// RNE's error; and that a working RNE is not second-guessed.
func TestFallbackToAPIEntreprise(t *testing.T) {
	for _, status := range []int{404, 500, 503} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			r, sir, _, logs := registers(t, true)
			if _, err := sir.Kit().Faults.Add(&control.Fault{Path: "/api/companies/901003004", Status: status, Count: 5}); err != nil {
				t.Fatal(err)
			}
			c, err := r.Company(context.Background(), "901003004")
			if err != nil {
				t.Fatal(err)
			}
			if len(c.Candidates) != 3 {
				t.Fatalf("%d candidates: %+v", len(c.Candidates), c.Candidates)
			}
			want := proconnect.Person{FamilyName: "MARTIN", GivenNames: []string{"SOPHIE"}, Birthdate: "1988-10-03",
				Birthcountry: "99100", Role: "PRESIDENT"}
			if got := c.Candidates[0]; !reflect.DeepEqual(got, want) {
				t.Errorf("candidate %+v, want %+v", got, want)
			}
			if line := logs.String(); !strings.Contains(line, "level=INFO") || !strings.Contains(line, "API Entreprise") ||
				!strings.Contains(line, "rne_error=") || !strings.Contains(line, "siren=901003004") {
				t.Errorf("log %q", line)
			}
		})
	}
	t.Run("RNE answers", func(t *testing.T) {
		r, _, apie, logs := registers(t, true)
		if _, err := apie.Kit().Faults.Add(&control.Fault{Path: "/v3/", Status: 502, Count: 5}); err != nil {
			t.Fatal(err)
		}
		c, err := r.Company(context.Background(), "901003004")
		if err != nil || len(c.Candidates) != 3 || c.Candidates[0].Birthplace != "13055" || c.Candidates[0].Gender != "female" {
			t.Fatalf("%+v %v", c.Candidates, err)
		}
		if logs.Len() != 0 {
			t.Errorf("log %q", logs)
		}
	})
	t.Run("API Entreprise fails too", func(t *testing.T) {
		r, sir, apie, _ := registers(t, true)
		_, _ = sir.Kit().Faults.Add(&control.Fault{Path: "/api/companies/901003004", Status: 503, Count: 5})
		_, _ = apie.Kit().Faults.Add(&control.Fault{Path: "/v3/", Status: 502, Count: 5})
		if _, err := r.Company(context.Background(), "901003004"); !errors.Is(err, proconnect.ErrUnavailable) {
			t.Errorf("err %v", err)
		}
	})
	t.Run("no API Entreprise: a 404 is no dirigeant", func(t *testing.T) {
		r, sir, _, _ := registers(t, false)
		_, _ = sir.Kit().Faults.Add(&control.Fault{Path: "/api/companies/901003004", Status: 404, Count: 5})
		c, err := r.Company(context.Background(), "901003004")
		if err != nil || len(c.Candidates) != 0 {
			t.Errorf("%+v %v", c.Candidates, err)
		}
	})
}

// TestRNEBirthplaceWithoutPostalCode checks the whole RNE path: a
// dirigeant whose form has no codePostalNaissance has no birthplace.
func TestRNEBirthplaceWithoutPostalCode(t *testing.T) {
	r, sir, _, _ := registers(t, false)
	body := `{"siren":"901002006","unite_legale":{"categorie_juridique":"5499","periodes":[{"date_debut":"2008-09-15","etat":"A","denomination":"X"}]},
		"dirigeants":[{"type":"individu","nom":"LEFEBVRE","prenoms":["MARC"],"genre":"1","date_naissance":"1975-05-12","code_insee_naissance":"59350","pays":"FRANCE","code_pays":"FRA","role":"30"}]}`
	req := httptest.NewRequest(http.MethodPut, "/__sandbox/companies/901002006", strings.NewReader(body))
	req.Host = "localhost"
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	sir.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	c, err := r.Company(context.Background(), "901002006")
	if err != nil || len(c.Candidates) != 1 {
		t.Fatalf("%+v %v", c, err)
	}
	if p := c.Candidates[0]; p.Birthplace != "" || p.Birthcountry != "99100" {
		t.Errorf("birthplace %q country %q", p.Birthplace, p.Birthcountry)
	}
}

// TestRNELoginBeforeEveryLookup: as ProConnect, the core logs in to the RNE
// before each lookup and keeps no session, so a refused login fails that
// lookup (and sends it to API Entreprise) instead of hiding behind a
// session opened earlier.
func TestRNELoginBeforeEveryLookup(t *testing.T) {
	r, sir, _, logs := registers(t, true)
	for range 2 {
		if _, err := r.Company(context.Background(), "901003004"); err != nil {
			t.Fatal(err)
		}
	}
	logins := 0
	for _, e := range sir.Kit().Journal.Last(0, 0, "") {
		if e.Path == "/api/sso/login" {
			logins++
		}
	}
	if logins != 2 {
		t.Errorf("%d RNE logins for 2 lookups, want 2", logins)
	}
	if _, err := sir.Kit().Faults.Add(&control.Fault{Path: "/api/sso/login", Status: 503, Count: 1}); err != nil {
		t.Fatal(err)
	}
	c, err := r.Company(context.Background(), "901003004")
	if err != nil || len(c.Candidates) != 3 {
		t.Fatalf("after a refused login: %+v %v", c.Candidates, err)
	}
	if !strings.Contains(logs.String(), "RNE login") {
		t.Errorf("the refused login did not send the lookup to API Entreprise; log %q", logs)
	}
	if left := sir.Kit().Faults.List(); len(left) != 0 {
		t.Errorf("the login fault was not consumed: %+v", left)
	}
}
