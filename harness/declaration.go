package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// PortalDeclaration describes the portal under test (docs/contrat-portail.md,
// section 5): who it is at PISTE and ProConnect, where it takes events, and
// the URLs the suite drives it through.
type PortalDeclaration struct {
	Name         string   `yaml:"name" json:"name"`
	ClientID     string   `yaml:"client_id" json:"client_id"`
	ClientSecret string   `yaml:"client_secret" json:"client_secret"`
	RedirectURIs []string `yaml:"redirect_uris" json:"redirect_uris"`
	EventsURL    string   `yaml:"events_url" json:"events_url"`
	// StartURL ({siren}) starts a certification of a new account.
	StartURL string `yaml:"start_url" json:"start_url"`
	// StatusURL ({certification_id}) answers {"account_state", "events_applied"}.
	StatusURL string `yaml:"status_url" json:"status_url"`
	// CertificationURL ({account_ref}, {siren}) certifies an existing account.
	CertificationURL string `yaml:"certification_url" json:"certification_url"`
	// RecheckURL ({certification_id}) makes the portal re-check (POST).
	RecheckURL string `yaml:"recheck_url" json:"recheck_url"`
	// AccessRequestURL files a collaborator's access request (POST, JSON
	// {siren, email, given_name, family_name}); AccessStatusURL reads its
	// state ({access_request_id}).
	AccessRequestURL string `yaml:"access_request_url" json:"access_request_url"`
	AccessStatusURL  string `yaml:"access_status_url" json:"access_status_url"`
}

// portalDeclaration is the harness's own name for it.
type portalDeclaration = PortalDeclaration

// ReferencePortal declares the reference portal served at base.
func ReferencePortal(base string) *PortalDeclaration {
	return &PortalDeclaration{Name: "Portail de démonstration", ClientID: "portail-demo", ClientSecret: "portail-demo-secret",
		RedirectURIs: []string{base + "/retour"}, EventsURL: base + "/api/psp/events", StartURL: base + "/demarrer?siren={siren}",
		StatusURL:        base + "/api/status/{certification_id}",
		CertificationURL: base + "/comptes/{account_ref}/certifier?siren={siren}",
		RecheckURL:       base + "/api/reverifier/{certification_id}",
		AccessRequestURL: base + "/api/acces",
		AccessStatusURL:  base + "/api/acces/{access_request_id}"}
}

// ReadDeclaration reads and checks a portal declaration: every problem
// names the key at fault.
func ReadDeclaration(path string) (*PortalDeclaration, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var d PortalDeclaration
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if err := d.Check(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &d, nil
}

// Check says what is missing or malformed in a declaration.
func (d *PortalDeclaration) Check() error {
	var errs []error
	for key, v := range map[string]string{"name": d.Name, "client_id": d.ClientID, "client_secret": d.ClientSecret,
		"events_url": d.EventsURL, "start_url": d.StartURL} {
		if strings.TrimSpace(v) == "" {
			errs = append(errs, fmt.Errorf("%s est obligatoire", key))
		}
	}
	if len(d.RedirectURIs) == 0 {
		errs = append(errs, errors.New("redirect_uris est obligatoire (les adresses de retour du portail)"))
	}
	for _, u := range d.RedirectURIs {
		errs = append(errs, checkURL("redirect_uris", u, nil))
	}
	urls := []struct {
		key, value string
		needs      []string
	}{
		{"events_url", d.EventsURL, nil},
		{"start_url", d.StartURL, []string{"{siren}"}},
		{"status_url", d.StatusURL, []string{"{certification_id}"}},
		{"certification_url", d.CertificationURL, []string{"{account_ref}", "{siren}"}},
		{"recheck_url", d.RecheckURL, []string{"{certification_id}"}},
		{"access_request_url", d.AccessRequestURL, nil},
		{"access_status_url", d.AccessStatusURL, []string{"{access_request_id}"}},
	}
	for _, u := range urls {
		if u.value != "" {
			errs = append(errs, checkURL(u.key, u.value, u.needs))
		}
	}
	if strings.Contains(d.AccessRequestURL, "{") {
		errs = append(errs, errors.New(`access_request_url ne prend aucun {paramètre} : la suite envoie un POST avec le corps JSON {"siren", "email", "given_name", "family_name"}`))
	}
	return errors.Join(errs...)
}

func checkURL(key, raw string, needs []string) error {
	for _, n := range needs {
		if !strings.Contains(raw, n) {
			return fmt.Errorf("%s %q ne contient pas %s", key, raw, n)
		}
	}
	u, err := url.Parse(strings.NewReplacer("{", "", "}", "").Replace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%s %q n'est pas une URL http(s) absolue", key, raw)
	}
	return nil
}

// fill replaces the {placeholders} of a declared URL template, escaping
// each value for where it stands (path or query).
func fill(template string, values map[string]string) string {
	out := template
	for k, v := range values {
		ph := "{" + k + "}"
		i := strings.Index(out, ph)
		for i >= 0 {
			esc := url.PathEscape(v)
			if q := strings.Index(out, "?"); q >= 0 && q < i {
				esc = url.QueryEscape(v)
			}
			out = out[:i] + esc + out[i+len(ph):]
			i = strings.Index(out, ph)
		}
	}
	return out
}

// registerDeclared registers the portal under test at PISTE and at
// ProConnect through their control APIs (a run-time registration replaces
// one of the same client_id; a portal of the sandbox's fixtures is kept as
// it is), then checks that PISTE gives it a token: a
// portal the sandbox does not know fails every scenario, so the run stops
// with the reason instead. Without control API, the portal must have been
// registered beforehand; only the token is checked.
func (e *suiteEnv) registerDeclared(ctx context.Context, out io.Writer) error {
	d := e.portal
	client := &http.Client{Transport: e.transport, Timeout: 10 * time.Second}
	body, _ := json.Marshal(map[string]any{"name": d.Name, "client_id": d.ClientID, "client_secret": d.ClientSecret,
		"scopes": []string{"proconnect"}, "redirect_uris": d.RedirectURIs, "events_url": d.EventsURL})
	for _, c := range []struct{ name, base string }{{"PISTE", e.pisteURL}, {"ProConnect", e.coreURL}} {
		if !e.control || e.noControl[baseOf(c.base)] {
			fmt.Fprintf(out, "Le %s de %s n'a pas d'API de contrôle : le portail %s doit y être enregistré d'avance.\n", c.name, c.base, d.ClientID)
			continue
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/__sandbox/portals", bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		if e.controlToken != "" {
			req.Header.Set("Authorization", "Bearer "+e.controlToken)
		}
		resp, err := client.Do(req)
		if err != nil {
			return fmt.Errorf("enregistrement du portail %s auprès de %s (%s) : %w", d.ClientID, c.name, c.base, err)
		}
		answer, _ := io.ReadAll(io.LimitReader(resp.Body, 2048))
		resp.Body.Close()
		if resp.StatusCode == http.StatusConflict && bytes.Contains(answer, []byte("fixture-portal")) {
			// one of the sandbox's own portals (the reference portal, or one
			// given to up --portal): kept as the sandbox knows it
			fmt.Fprintf(out, "Le %s du bac à sable connaît déjà le portail %s (ses fixtures) : il le garde tel quel.\n", c.name, d.ClientID)
			if c.base == e.coreURL {
				if err := e.askPortalToken(ctx, client, out); err != nil {
					return err
				}
			}
			continue
		}
		if resp.StatusCode != http.StatusCreated {
			hint := ""
			if resp.StatusCode == http.StatusUnauthorized {
				hint = " (un bac à sable partagé : donnez son jeton de contrôle, --control-token)"
			}
			return fmt.Errorf("l'enregistrement du portail %s auprès de %s (%s) a échoué : %d %s%s", d.ClientID, c.name, c.base,
				resp.StatusCode, visibleText(answer, 300), hint)
		}
		if c.base == e.coreURL {
			e.takePortalToken(answer, out)
		}
	}
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"proconnect"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.pisteURL+"/api/oauth/token", strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(d.ClientID), url.QueryEscape(d.ClientSecret))
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("demande du jeton du portail à PISTE (%s) : %w", e.pisteURL, err)
	}
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 2048))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("PISTE (%s) refuse son jeton au portail déclaré %s : %d %s — vérifiez client_id et client_secret dans la déclaration",
			e.pisteURL, d.ClientID, resp.StatusCode, visibleText(answer, 300))
	}
	return nil
}
