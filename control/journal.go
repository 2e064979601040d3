package control

import (
	"cmp"
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
	// Client is the OAuth client (a portal's client_id) the component
	// identified or was told, when it says so (see NoteClient).
	Client string `json:"client,omitempty"`
	// Claimed is the client a request named before the component
	// authenticated it (a token request whose secret was refused): a
	// harness quotes it to the sandbox's owner; a portal's token never
	// sees another's exchanges through it, since anyone can claim any name.
	Claimed string `json:"claimed,omitempty"`
	// Answer is the beginning of a JSON error answer (status 400 and
	// above): what a harness quotes to say why a call failed.
	Answer string `json:"answer,omitempty"`
	// Flow is the correlation tag of the exchange (see FlowHeader): the
	// certification it belongs to, when a component knows or was told.
	Flow string `json:"flow,omitempty"`
	// From is the sandbox component that made the call (see FromHeader);
	// empty for a browser or a client outside the sandbox.
	From string `json:"from,omitempty"`
	// Link is a fingerprint of the OAuth state the request or its
	// redirection carried: the exchanges of one authorization share it,
	// although the state itself is masked.
	Link string `json:"link,omitempty"`
	// Request and Response are the exchange's headers and the beginning of
	// its bodies, secrets masked, when the kit records them (Kit.Details).
	Request  *Message `json:"request,omitempty"`
	Response *Message `json:"response,omitempty"`

	// raw is what Request and Response are made of, kept as the exchange
	// left it: masking (parsing JSON and forms, sorting headers) is done
	// when the journal is read, rarely, not on every request (Last).
	raw *rawExchange
	// unredacted holds the request's raw query and the answer's Location
	// until the entry is read: Query, Location and Link are made of them
	// then (redacted), not on every request (issue 14: parsing and
	// encoding them again was 4 % of the FranceConnect mock's CPU). The
	// request line they come from is kept alive by Path anyway.
	unredacted unredacted
}

type unredacted struct{ query, location string }

// redacted returns e with Query, Location and Link made from what the
// exchange left (see Entry.unredacted). An exchange with neither query nor
// Location leaves them empty, as does an entry already redacted.
func (e Entry) redacted() Entry {
	u := e.unredacted
	if u == (unredacted{}) {
		return e
	}
	e.unredacted = unredacted{}
	e.Query = Redact(u.query)
	e.Location = redactLocation(u.location)
	e.Link = stateLink(u.query)
	if e.Link == "" && u.location != "" {
		e.Link = locationLink(u.location)
	}
	return e
}

// rawExchange is an exchange's headers and the beginning of its bodies,
// unmasked, as the middleware recorded them.
type rawExchange struct {
	reqHeader, respHeader packedHeader
	reqBody, respBody     []byte
	reqSize, respSize     int
	reqBodySeen           bool // the handler read a body
}

// masked returns e with Request and Response made from what was recorded,
// secrets masked.
func (e Entry) masked() Entry {
	e = e.redacted()
	if e.raw == nil {
		return e
	}
	raw := e.raw
	e.raw = nil
	reqHeader, respHeader := raw.reqHeader.header(), raw.respHeader.header()
	e.Request = &Message{Headers: maskHeaders(reqHeader)}
	if raw.reqBodySeen {
		e.Request.Body, e.Request.Size = MaskBody(reqHeader.Get("Content-Type"), raw.reqBody, raw.reqSize), raw.reqSize
	}
	e.Response = &Message{Headers: maskHeaders(respHeader), Size: raw.respSize,
		Body: MaskBody(respHeader.Get("Content-Type"), raw.respBody, raw.respSize)}
	return e
}

// maskAll masks the entries Last and lastOf return.
func maskAll(out []Entry) []Entry {
	for i := range out {
		out[i] = out[i].masked()
	}
	return out
}

// Ring keeps the last items added, lock-free: writers claim a slot with an
// atomic counter and publish an immutable copy. Items are numbered from 1.
type Ring[T any] struct {
	slots []atomic.Pointer[ringItem[T]]
	next  atomic.Uint64
}

type ringItem[T any] struct {
	seq  uint64
	item T
}

// NewRing returns a ring of size items (at least 1).
func NewRing[T any](size int) *Ring[T] {
	return &Ring[T]{slots: make([]atomic.Pointer[ringItem[T]], max(size, 1))}
}

// Add stores v, overwriting the oldest item when the ring is full, and
// returns its number.
func (r *Ring[T]) Add(v T) uint64 {
	n := r.next.Add(1)
	r.slots[(n-1)%uint64(len(r.slots))].Store(&ringItem[T]{seq: n, item: v})
	return n
}

// Last returns up to limit items numbered after since that keep says to
// keep (nil keeps all), oldest first.
func (r *Ring[T]) Last(limit int, since uint64, keep func(seq uint64, v T) bool) []T {
	var found []*ringItem[T]
	for i := range r.slots {
		if it := r.slots[i].Load(); it != nil && it.seq > since && (keep == nil || keep(it.seq, it.item)) {
			found = append(found, it)
		}
	}
	slices.SortFunc(found, func(a, b *ringItem[T]) int { return cmp.Compare(a.seq, b.seq) })
	if limit > 0 && len(found) > limit {
		found = found[len(found)-limit:]
	}
	out := make([]T, len(found))
	for i, it := range found {
		out[i] = it.item
	}
	return out
}

// Clear forgets every item.
func (r *Ring[T]) Clear() {
	for i := range r.slots {
		r.slots[i].Store(nil)
	}
}

// Journal keeps the last exchanges a component saw.
type Journal struct{ ring *Ring[Entry] }

// NewJournal returns a journal of size entries (at least 1).
func NewJournal(size int) *Journal { return &Journal{ring: NewRing[Entry](size)} }

// Add stores e, overwriting the oldest entry when the journal is full.
func (j *Journal) Add(e Entry) {
	// the entry carries its own number: claim it first
	n := j.ring.next.Add(1)
	e.Seq = n
	j.ring.slots[(n-1)%uint64(len(j.ring.slots))].Store(&ringItem[Entry]{seq: n, item: e})
}

// Last returns up to limit entries, oldest first, optionally only those after
// seq `since` and tagged with scenario (when non-empty).
func (j *Journal) Last(limit int, since uint64, scenario string) []Entry {
	out := j.ring.Last(limit, since, func(_ uint64, e Entry) bool { return scenario == "" || e.Scenario == scenario })
	if len(out) == 0 {
		return nil
	}
	return maskAll(out)
}

// lastOf is Last for a portal's token: the exchanges of that client, and,
// among those no client is known for, the scenario's (when one is asked:
// its tag is the harness's own) and those on the shared paths (a public key
// set every portal reads).
func (j *Journal) lastOf(limit int, since uint64, scenario, portal string, shared []string) []Entry {
	return maskAll(j.ring.Last(limit, since, func(_ uint64, e Entry) bool {
		if scenario != "" && e.Scenario != scenario {
			return false
		}
		return e.Client == portal || (e.Client == "" && (scenario != "" || slices.Contains(shared, e.Path)))
	}))
}

// Clear forgets every entry.
func (j *Journal) Clear() { j.ring.Clear() }

// ScenarioHeader lets a harness tag the exchanges of one scenario, so that
// its report shows only them.
const ScenarioHeader = "X-Sandbox-Scenario"

// secretParams are redacted from journal queries and Location headers:
// secrets, and personal data (names, emails, birth dates, logins).
var secretParams = []string{"code", "client_secret", "access_token", "id_token", "id_token_hint",
	"refresh_token", "token", "password", "client_assertion", "code_verifier", "state", "nonce", "jeton",
	"email", "to", "given_name", "family_name", "birthdate", "login", "login_hint",
	// the core's forms carry their session's ID as the CSRF token
	"csrf", "session_state"}

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

// statusRecorder keeps a response's status, the beginning of a JSON error
// answer (400 and above) for the journal, and the beginning of any 5xx
// answer for the failure log.
type statusRecorder struct {
	http.ResponseWriter
	status  int
	answer  []byte // the beginning of a JSON error answer
	failure []byte // the beginning of a 5xx answer
	// details: keep the beginning of the body (Kit.Details), and its size
	details bool
	body    []byte
	size    int
}

// answerKept is how much of a JSON error answer the journal keeps.
const answerKept = 300

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
	if r.status >= 400 && len(r.answer) < answerKept && strings.Contains(r.Header().Get("Content-Type"), "json") {
		r.answer = append(r.answer, b[:min(len(b), answerKept-len(r.answer))]...)
	}
	if r.status >= 500 && len(r.failure) < answerKept {
		r.failure = append(r.failure, b[:min(len(b), answerKept-len(r.failure))]...)
	}
	if r.details {
		r.size += len(b)
		if room := bodyKept - len(r.body); room > 0 && recordedContent(r.Header().Get("Content-Type")) {
			r.body = append(r.body, b[:min(len(b), room)]...)
		}
	}
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// NoteClient records, in the journal entry of the request ctx belongs to,
// the client (a portal's client_id) the component identified: a harness can
// then tell a portal's calls apart, and say why one failed.
func NoteClient(ctx context.Context, clientID string) {
	if n := notesFrom(ctx); n != nil {
		n.client = clientID
	}
}

// NoteClaimedClient records the client a request names before it is
// authenticated; NoteClient then records the one authenticated.
func NoteClaimedClient(ctx context.Context, clientID string) {
	if n := notesFrom(ctx); n != nil {
		n.claimed = clientID
	}
}

type scenarioKey struct{}

// WithScenario returns ctx carrying a scenario tag (see ScenarioHeader).
func WithScenario(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, scenarioKey{}, id)
}

// ScenarioFrom returns the scenario tag ctx carries (WithScenario, or the
// header of the request being served), or "".
func ScenarioFrom(ctx context.Context) string {
	if id, ok := ctx.Value(scenarioKey{}).(string); ok {
		return id
	}
	if n := notesFrom(ctx); n != nil {
		return n.scenario
	}
	return ""
}

// PropagateScenario wraps an outgoing transport so that a component's calls
// made while serving a tagged request carry the same tag: the other
// components' journals then show them in that scenario too.
func PropagateScenario(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return scenarioTransport{base: base}
}

type scenarioTransport struct {
	base http.RoundTripper
	from string // the component making the calls, if known
}

func (t scenarioTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	id, flow := ScenarioFrom(r.Context()), FlowFrom(r.Context())
	tagScenario := id != "" && r.Header.Get(ScenarioHeader) == ""
	tagFlow := flow != "" && r.Header.Get(FlowHeader) == ""
	if tagScenario || tagFlow || t.from != "" {
		r = r.Clone(r.Context())
		if tagScenario {
			r.Header.Set(ScenarioHeader, id)
		}
		if tagFlow {
			r.Header.Set(FlowHeader, flow)
		}
		if t.from != "" {
			r.Header.Set(FromHeader, t.from)
		}
	}
	return t.base.RoundTrip(r)
}
