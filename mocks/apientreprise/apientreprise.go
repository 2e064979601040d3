package apientreprise

import (
	"context"
	"crypto/subtle"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/control"
	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
	"github.com/proconnect-sandbox/proconnect-sandbox/insee"
)

// DemoToken is the sandbox's API Entreprise token (docs/bac-a-sable.md,
// « Valeurs de démonstration »).
const DemoToken = "sandbox-api-entreprise-token"

// Config configures the API Entreprise mock.
type Config struct {
	PublicURL string
	Fixtures  *fixtures.Set
	// Tokens are the accepted bearer tokens (default: DemoToken).
	Tokens []string
	// RegisterURL is the register mock (INSEE Sirene, RNE), whose control
	// API gives each company as it is now, run-time changes included; its
	// ControlToken when it has one. Empty: the fixtures only (a run-time
	// change of the register is then not seen here).
	RegisterURL, ControlToken string
	// HTTPClient reads the register (default: 5 s timeout).
	HTTPClient *http.Client
	Kit        *control.Kit
	Logger     *slog.Logger
}

// Mock is the API Entreprise mock. It is an http.Handler.
type Mock struct {
	kit     *control.Kit
	set     *fixtures.Set
	tokens  []string
	handler http.Handler
	// register, when set, is where companies are read (else the fixtures)
	register *registerSource
}

// New builds the API Entreprise mock.
func New(cfg Config) (*Mock, error) {
	if cfg.Fixtures == nil {
		return nil, errors.New("apientreprise: no fixtures")
	}
	if len(cfg.Tokens) == 0 {
		cfg.Tokens = []string{DemoToken}
	}
	if cfg.Kit == nil {
		cfg.Kit = control.NewKit("apientreprise", nil, "")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Kit.Log == nil {
		cfg.Kit.Log = cfg.Logger
	}
	m := &Mock{kit: cfg.Kit, set: cfg.Fixtures, tokens: cfg.Tokens}
	if cfg.RegisterURL != "" {
		m.register = newRegisterSource(cfg.RegisterURL, cfg.ControlToken, cfg.HTTPClient)
	}
	m.handler = m.routes()
	return m, nil
}

// ServeHTTP serves the mock.
func (m *Mock) ServeHTTP(w http.ResponseWriter, r *http.Request) { m.handler.ServeHTTP(w, r) }

// Kit returns the control state.
func (m *Mock) Kit() *control.Kit { return m.kit }

// validToken reports whether the Authorization header carries a known
// bearer token.
func (m *Mock) validToken(h string) bool {
	if len(h) < 8 || !strings.EqualFold(h[:7], "bearer ") {
		return false
	}
	tok := []byte(strings.TrimSpace(h[7:]))
	ok := false
	for _, t := range m.tokens {
		if subtle.ConstantTimeCompare([]byte(t), tok) == 1 {
			ok = true
		}
	}
	return ok
}

// company returns the company of a SIREN: the register mock's, run-time
// changes included, when RegisterURL is set; else from the fixtures or the
// synthetic register (fixtures.Set.CompanyOrSynthetic, as the register mock
// does). ok is false for a SIREN that is neither; an error says the
// register could not be read.
func (m *Mock) company(ctx context.Context, siren string) (fixtures.Company, bool, error) {
	if !insee.ValidSIREN(siren) {
		return fixtures.Company{}, false, nil
	}
	if m.register != nil {
		return m.register.company(ctx, siren)
	}
	c, ok := m.set.CompanyOrSynthetic(siren)
	return c, ok, nil
}

// atGreffe reports whether a company is registered at a commercial court's
// registry (RCS): commercial and civil companies (legal categories 5xxx
// and 6xxx), foreign companies registered there (3110, 3120), public
// industrial and commercial bodies (41xx) and agricultural mutual insurers
// (8250); not entrepreneurs individuels, associations or administrations.
func atGreffe(c fixtures.Company) bool {
	if c.DuplicateOf != "" {
		return false
	}
	switch cat := c.Unit.CategorieJuridique; {
	case cat == "3110", cat == "3120", cat == "8250", strings.HasPrefix(cat, "41"):
		return true
	default:
		return cat != "" && (cat[0] == '5' || cat[0] == '6')
	}
}

// birthTimestamp is a YYYY-MM-DD date as milliseconds since the epoch at
// UTC midnight, which is how ProConnect reads date_naissance_timestamp;
// nil for a partial or missing date.
func birthTimestamp(day string) *int64 {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return nil
	}
	ms := t.UnixMilli()
	return &ms
}
