package apientreprise

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/control"
	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
)

// registerSource reads a company as the register mock holds it now, run-time
// changes included (a scenario's ceased company, a dirigeant who left),
// through the register's control API: GET /__sandbox/companies/{siren}. The
// two mocks share no memory (with docker compose each runs in its own
// container), and API Entreprise must never answer from a register older
// than the one INSEE and the RNE show: ProConnect reads it exactly when the
// RNE fails, and a stale list would keep a departed dirigeant certified.
type registerSource struct {
	base, token string
	client      *http.Client
}

// errRegister is the register mock not answering: API Entreprise then says
// its provider failed (502), never an older copy. Its code and words are
// the sandbox's (API Entreprise's own for a provider outage were not found
// in public sources).
var errRegister = apiError{Code: "01000", Title: "Erreur de fournisseur",
	Detail: "Le fournisseur de données n'a pas répondu ; réessayez plus tard.", Meta: map[string]any{"provider": "INSEE"}}

// company returns the register's company of siren; ok is false when the
// register knows none. Returns an error when the register cannot be read.
func (s *registerSource) company(ctx context.Context, siren string) (fixtures.Company, bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.base+"/__sandbox/companies/"+url.PathEscape(siren), nil)
	if err != nil {
		return fixtures.Company{}, false, err
	}
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return fixtures.Company{}, false, fmt.Errorf("register %s: %w", siren, err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound:
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return fixtures.Company{}, false, nil
	default:
		return fixtures.Company{}, false, fmt.Errorf("register %s: answered %d", siren, resp.StatusCode)
	}
	var out struct {
		Company fixtures.Company `json:"company"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 4<<20)).Decode(&out); err != nil {
		return fixtures.Company{}, false, fmt.Errorf("register %s: %w", siren, err)
	}
	return out.Company, true, nil
}

func newRegisterSource(base, token string, client *http.Client) *registerSource {
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second, Transport: control.PropagateScenario(http.DefaultTransport)}
	}
	return &registerSource{base: strings.TrimRight(base, "/"), token: token, client: client}
}
