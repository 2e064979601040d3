package sirene

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/control"
	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
)

// Config configures the register mock.
type Config struct {
	PublicURL string
	Fixtures  *fixtures.Set
	// APIKeys are the accepted X-INSEE-Api-Key-Integration values of the
	// public INSEE API (default: sandbox-insee-key).
	APIKeys []string
	// INSEEClients (client_id → client_secret) and INSEEUsers (username →
	// password) are accepted by the password grant that gives the tokens of
	// the private INSEE API (default: the Demo INSEE credentials).
	INSEEClients, INSEEUsers map[string]string
	// RNEUsers are the accepted RNE logins, username → password (default:
	// sandbox / sandbox-rne-password).
	RNEUsers map[string]string
	Kit      *control.Kit
	Logger   *slog.Logger
}

// Well-known demo credentials (docs/bac-a-sable.md, « Valeurs de démonstration »).
const (
	DemoAPIKey      = "sandbox-insee-key"
	DemoRNEUser     = "sandbox"
	DemoRNEPassword = "sandbox-rne-password"
	APIKeyHeader    = "X-INSEE-Api-Key-Integration"
	rneTokenTTL     = time.Hour
)

// Mock is the register mock: INSEE Sirene 3.11, the RNE companies API and
// the referenced contact emails. It is an http.Handler.
type Mock struct {
	cfg      Config
	kit      *control.Kit
	log      *slog.Logger
	set      *fixtures.Set
	apiKeys  map[string]bool
	rneUsers map[string]string
	rneKey   []byte // signs RNE session tokens; made once at start

	inseeClients, inseeUsers map[string]string
	inseeTokens              inseeTokens // the private API's access tokens

	runtime  sync.Map // siren → *fixtures.Company (run-time changes; immutable snapshots)
	rendered sync.Map // unitKey → *renderedUnit (rendered.go)
	contacts sync.Map // siren → contact (run-time; an empty email means removed)
	edit     sync.Mutex

	handler http.Handler
}

// contact is a referenced contact email.
type contact struct {
	email   string
	updated time.Time
}

// New builds the register mock.
func New(cfg Config) (*Mock, error) {
	if cfg.Fixtures == nil {
		return nil, errors.New("sirene: no fixtures")
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	if len(cfg.APIKeys) == 0 {
		cfg.APIKeys = []string{DemoAPIKey}
	}
	if len(cfg.INSEEClients) == 0 {
		cfg.INSEEClients = map[string]string{DemoINSEEClientID: DemoINSEEClientSecret}
	}
	if len(cfg.INSEEUsers) == 0 {
		cfg.INSEEUsers = map[string]string{DemoINSEEUser: DemoINSEEPassword}
	}
	if len(cfg.RNEUsers) == 0 {
		cfg.RNEUsers = map[string]string{DemoRNEUser: DemoRNEPassword}
	}
	if cfg.Kit == nil {
		cfg.Kit = control.NewKit("sirene", nil, "")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Kit.Log == nil {
		cfg.Kit.Log = cfg.Logger
	}
	m := &Mock{cfg: cfg, kit: cfg.Kit, log: cfg.Logger, set: cfg.Fixtures, apiKeys: map[string]bool{}, rneUsers: cfg.RNEUsers,
		inseeClients: cfg.INSEEClients, inseeUsers: cfg.INSEEUsers}
	m.kit.PortalCalls = m.portalCalls
	for _, k := range cfg.APIKeys {
		m.apiKeys[k] = true
	}
	m.rneKey = make([]byte, 32)
	if _, err := rand.Read(m.rneKey); err != nil {
		return nil, err
	}
	m.handler = m.routes()
	return m, nil
}

// ServeHTTP serves the mock.
func (m *Mock) ServeHTTP(w http.ResponseWriter, r *http.Request) { m.handler.ServeHTTP(w, r) }

// Kit returns the control state.
func (m *Mock) Kit() *control.Kit { return m.kit }

// origin says where a company comes from.
type origin string

const (
	fromRuntime   origin = "runtime"
	fromFixtures  origin = "fixtures"
	fromSynthetic origin = "synthetic"
)

// company returns the company of a SIREN: a run-time change first, then the
// fixtures, then the synthetic register. The SIREN must be syntactically
// valid; ok is false for a Luhn-invalid one.
func (m *Mock) company(siren string) (fixtures.Company, origin, bool) {
	c, _, o, ok := m.companySnapshot(siren)
	return c, o, ok
}

// companySnapshot is company, with the run-time snapshot the company comes
// from (nil when it comes from the fixtures or the synthetic register).
func (m *Mock) companySnapshot(siren string) (fixtures.Company, *fixtures.Company, origin, bool) {
	if v, ok := m.runtime.Load(siren); ok {
		snap := v.(*fixtures.Company)
		return *snap, snap, fromRuntime, true
	}
	if c, ok := m.set.Company(siren); ok {
		return c, nil, fromFixtures, true
	}
	c, ok := m.set.CompanyOrSynthetic(siren)
	return c, nil, fromSynthetic, ok
}

// change applies f to a copy of the company and stores the result as a
// run-time change. Edits are serialised (they are control calls, not
// lookups), lookups never wait.
func (m *Mock) change(siren string, f func(*fixtures.Company) error) (fixtures.Company, error) {
	m.edit.Lock()
	defer m.edit.Unlock()
	c, _, ok := m.company(siren)
	if !ok {
		return fixtures.Company{}, errNoCompany
	}
	c.Dirigeants = append([]fixtures.Dirigeant(nil), c.Dirigeants...)
	c.Unit.Periodes = append([]fixtures.Period(nil), c.Unit.Periodes...)
	if err := f(&c); err != nil {
		return fixtures.Company{}, err
	}
	if err := m.set.CheckCompany(&c); err != nil {
		return fixtures.Company{}, err
	}
	m.runtime.Store(siren, &c)
	return c, nil
}

var errNoCompany = errors.New("no company with that SIREN (not Luhn-valid)")

// contactEmail returns the referenced contact email of a company.
func (m *Mock) contactEmail(siren string) (contact, bool) {
	if v, ok := m.contacts.Load(siren); ok {
		c := v.(contact)
		return c, c.email != ""
	}
	if c, _, ok := m.company(siren); ok && c.ContactEmail != "" {
		return contact{email: c.ContactEmail}, true
	}
	return contact{}, false
}

func (m *Mock) reset() {
	m.runtime.Clear()
	m.contacts.Clear()
}

// rneToken makes a stateless RNE session token: its expiry and an HMAC.
func (m *Mock) rneToken(user string, exp time.Time) string {
	payload := user + "|" + exp.UTC().Format(time.RFC3339)
	mac := hmac.New(sha256.New, m.rneKey)
	mac.Write([]byte(payload))
	return b64(payload) + "." + b64(string(mac.Sum(nil)))
}

// validRNEToken checks a token's HMAC and expiry against the sandbox clock.
func (m *Mock) validRNEToken(tok string) bool {
	p, sig, ok := strings.Cut(tok, ".")
	if !ok {
		return false
	}
	payload, err1 := unb64(p)
	got, err2 := unb64(sig)
	if err1 != nil || err2 != nil {
		return false
	}
	mac := hmac.New(sha256.New, m.rneKey)
	mac.Write([]byte(payload))
	if !hmac.Equal(mac.Sum(nil), []byte(got)) {
		return false
	}
	_, expText, _ := strings.Cut(payload, "|")
	exp, err := time.Parse(time.RFC3339, expText)
	return err == nil && m.kit.Clock.Now().Before(exp)
}
