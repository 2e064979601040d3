package control

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// Entry is one exchange seen by a component. Secrets and personal data are
// redacted before the entry is stored (see Redact).
type Entry struct {
	Seq        uint64    `json:"seq"`
	Time       time.Time `json:"time"`
	Component  string    `json:"component"`
	Method     string    `json:"method"`
	Path       string    `json:"path"`
	Query      string    `json:"query,omitempty"`
	Status     int       `json:"status"`
	DurationMS float64   `json:"duration_ms"`
	Location   string    `json:"location,omitempty"`
	Scenario   string    `json:"scenario,omitempty"`
}

// Journal keeps the last Size exchanges in a lock-free ring: writers claim a
// slot with an atomic counter and publish an immutable entry.
type Journal struct {
	slots []atomic.Pointer[Entry]
	next  atomic.Uint64
}

// NewJournal returns a journal of size entries (at least 1).
func NewJournal(size int) *Journal {
	return &Journal{slots: make([]atomic.Pointer[Entry], max(size, 1))}
}

// Add stores e, overwriting the oldest entry when the ring is full.
func (j *Journal) Add(e Entry) {
	n := j.next.Add(1)
	e.Seq = n
	j.slots[(n-1)%uint64(len(j.slots))].Store(&e)
}

// Last returns up to limit entries, oldest first, optionally only those after
// seq `since` and tagged with scenario (when non-empty).
func (j *Journal) Last(limit int, since uint64, scenario string) []Entry {
	var out []Entry
	for i := range j.slots {
		if e := j.slots[i].Load(); e != nil && e.Seq > since && (scenario == "" || e.Scenario == scenario) {
			out = append(out, *e)
		}
	}
	slices.SortFunc(out, func(a, b Entry) int { return int(a.Seq) - int(b.Seq) })
	if limit > 0 && len(out) > limit {
		out = out[len(out)-limit:]
	}
	return out
}

// Clear forgets every entry.
func (j *Journal) Clear() {
	for i := range j.slots {
		j.slots[i].Store(nil)
	}
}

// ScenarioHeader lets a harness tag the exchanges of one scenario, so that
// its report shows only them.
const ScenarioHeader = "X-Sandbox-Scenario"

// secretParams are redacted from journal queries and Location headers:
// secrets, and personal data (names, emails, birth dates, logins).
var secretParams = []string{"code", "client_secret", "access_token", "id_token", "id_token_hint",
	"refresh_token", "token", "password", "client_assertion", "code_verifier", "state", "nonce", "jeton",
	"email", "to", "given_name", "family_name", "birthdate", "login", "login_hint"}

// Redact replaces the values of secret parameters in a raw query string.
func Redact(rawQuery string) string {
	if rawQuery == "" {
		return ""
	}
	v, err := url.ParseQuery(rawQuery)
	if err != nil {
		return "[unparsable]"
	}
	for _, k := range secretParams {
		if _, ok := v[k]; ok {
			v[k] = []string{"[redacted]"}
		}
	}
	return v.Encode()
}

func redactLocation(loc string) string {
	if loc == "" {
		return ""
	}
	u, err := url.Parse(loc)
	if err != nil {
		return "[unparsable]"
	}
	u.RawQuery = Redact(u.RawQuery)
	if strings.Contains(u.Fragment, "=") {
		u.Fragment = Redact(u.Fragment)
	}
	return u.String()
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Record is middleware that adds every exchange outside /__sandbox/ to j.
func Record(component string, j *Journal, now func() time.Time) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/__sandbox/") {
				next.ServeHTTP(w, r)
				return
			}
			start := time.Now()
			rec := &statusRecorder{ResponseWriter: w}
			next.ServeHTTP(rec, r)
			j.Add(Entry{
				Time: now(), Component: component, Method: r.Method, Path: r.URL.Path,
				Query: Redact(r.URL.RawQuery), Status: rec.status,
				DurationMS: float64(time.Since(start).Microseconds()) / 1000,
				Location:   redactLocation(w.Header().Get("Location")),
				Scenario:   r.Header.Get(ScenarioHeader),
			})
		})
	}
}

type scenarioKey struct{}

// WithScenario returns ctx carrying a scenario tag (see ScenarioHeader).
func WithScenario(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, scenarioKey{}, id)
}

// ScenarioFrom returns the scenario tag ctx carries, or "".
func ScenarioFrom(ctx context.Context) string {
	id, _ := ctx.Value(scenarioKey{}).(string)
	return id
}

// PropagateScenario wraps an outgoing transport so that a component's calls
// made while serving a tagged request carry the same tag: the other
// components' journals then show them in that scenario too.
func PropagateScenario(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return scenarioTransport{base}
}

type scenarioTransport struct{ base http.RoundTripper }

func (t scenarioTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if id := ScenarioFrom(r.Context()); id != "" && r.Header.Get(ScenarioHeader) == "" {
		r = r.Clone(r.Context())
		r.Header.Set(ScenarioHeader, id)
	}
	return t.base.RoundTrip(r)
}
