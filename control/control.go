package control

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/proconnect-sandbox/proconnect-sandbox/problem"
)

// Kit is the control state every component owns.
type Kit struct {
	Component string
	Clock     *Clock
	Journal   *Journal
	Faults    *Faults
	// Token, when set, is required as a bearer token on /__sandbox/ (except
	// healthz): a sandbox bound beyond loopback is shared.
	Token string
	// AllowedHosts are the host names (without port) a request's Host may
	// name besides IP literals, localhost and *.localhost: the host names
	// of the sandbox's URLs (every component's public and internal URL),
	// which the assembly gives. Any other is refused (DNS rebinding).
	AllowedHosts []string
	// PublicOrigins are the origins (scheme://host[:port]) of the
	// components' public URLs: a page of the sandbox's own may send control
	// writes, as may a page of the component itself; another site may not.
	PublicOrigins []string
	// Log receives a line for every 5xx answer (see logFailures); nil is
	// slog's default logger.
	Log *slog.Logger
	// Details makes the journal keep each exchange's headers and the
	// beginning of its bodies, secrets masked (see MaskBody): what the flow
	// picture shows when an arrow is clicked.
	Details bool

	// The scope of a portal's control token (tenant.go). PortalCalls says
	// which of the component's own control calls a portal's token may
	// make, besides the journal and faults every kit scopes (nil: none);
	// each such handler reads PortalScope. PortalClock, when set,
	// gives each portal its own clock: /__sandbox/clock with a portal's
	// token reads and moves that one. PortalTokenCurrent, when set, says
	// whether a well-signed portal token is still the portal's current one
	// (the component that issued it keeps its hash). SharedPaths are the
	// paths whose anonymous exchanges (no client known, such as the reads
	// of a public key set) a portal's journal shows too: they are every
	// team's.
	PortalCalls        func(r *http.Request) bool
	PortalClock        *PortalClocks
	PortalTokenCurrent func(portal, token string) bool
	SharedPaths        []string

	// Replicas, when set (Share), is where the kit's control state is
	// kept for every replica of the component (replicas.go).
	Replicas *Replicas
}

// NewKit returns a kit with a real-time clock (base may be nil), a journal of
// 4,096 entries and no faults.
func NewKit(component string, base func() time.Time, token string) *Kit {
	return &Kit{Component: component, Clock: NewClock(base), Journal: NewJournal(4096), Faults: &Faults{}, Token: token}
}

// Middleware records exchanges and applies faults; mount it on the whole
// component. It refuses, before any route, a Host the sandbox is not known
// by and, under /__sandbox/, a write from a page of another site or with a
// body that is not JSON (see shield.go): no route can forget those rules.
//
// The journal entry and the failure log line of an exchange are made here,
// in one wrapper: one context value (the notes handlers add, the scenario
// tag) and one copy of the request, not one per concern.
func (k *Kit) Middleware(next http.Handler) http.Handler {
	inner := k.shield(Inject(k.Faults)(next))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scenario := r.Header.Get(ScenarioHeader)
		notes := &exchangeNotes{scenario: scenario, flow: r.Header.Get(FlowHeader)} // ScenarioFrom, FlowFrom read them
		r = r.WithContext(context.WithValue(r.Context(), exchangeKey{}, notes))
		k.refresh(r.Context())
		start := time.Now()
		journalled := !strings.HasPrefix(r.URL.Path, "/__sandbox/")
		rec := &statusRecorder{ResponseWriter: w, details: k.Details && journalled}
		var sent *captureBody
		var reqHeader packedHeader
		if rec.details {
			reqHeader = packHeader(r.Header)
			if r.Body != nil && r.Body != http.NoBody {
				sent = &captureBody{ReadCloser: r.Body}
				r.Body = sent
			}
		}
		inner.ServeHTTP(rec, r)
		if journalled {
			e := Entry{
				Time: k.Clock.Now(), Component: k.Component, Method: r.Method, Path: r.URL.Path,
				Status:     rec.status,
				DurationMS: float64(time.Since(start).Microseconds()) / 1000,
				Scenario:   scenario,
				Client:     notes.client,
				Claimed:    notes.claimed,
				Answer:     strings.TrimSpace(string(rec.answer)),
				Flow:       notes.flow,
				From:       r.Header.Get(FromHeader),
				// Query, Location and Link: made when the entry is read
				unredacted: unredacted{query: r.URL.RawQuery, location: w.Header().Get("Location")},
			}
			if rec.details {
				// masked when the journal is read (Entry.masked)
				e.raw = &rawExchange{reqHeader: reqHeader, respHeader: packHeader(w.Header()), respBody: rec.body, respSize: rec.size}
				if sent != nil {
					e.raw.reqBody, e.raw.reqSize, e.raw.reqBodySeen = sent.kept, sent.size, true
				}
			}
			k.record(r.Context(), e)
		}
		if rec.status >= 500 {
			k.logFailure(r, rec.status, &notes.failureNote, rec.failure)
		}
	})
}

// Guard refuses control calls without the bearer token when one is set
// (see RequireToken); the health check stays open.
func (k *Kit) Guard(next http.Handler) http.Handler {
	if k.Token == "" {
		return next
	}
	guarded := k.RequireToken(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/__sandbox/healthz" {
			next.ServeHTTP(w, r)
			return
		}
		if !k.Authorized(r) && k.guardPortal(w, r, next) {
			return
		}
		guarded.ServeHTTP(w, r)
	})
}

// Mount adds the common control routes (healthz, journal, faults, clock) to
// r, which is mounted at /__sandbox. reset is called by POST /reset after the
// kit's own state (journal, faults, clock) is cleared.
func (k *Kit) Mount(r chi.Router, reset func()) {
	r.Get("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		JSON(w, http.StatusOK, map[string]string{"status": "ok", "component": k.Component})
	})
	r.Post("/reset", func(w http.ResponseWriter, r *http.Request) {
		if k.Replicas != nil && !k.changed(w, r, k.Replicas.reset(r.Context())) {
			return
		}
		k.Journal.Clear()
		k.Faults.Clear()
		k.Clock.Reset()
		if k.PortalClock != nil {
			k.PortalClock.Reset()
		}
		if reset != nil {
			reset()
		}
		// the clears above may have wiped a change another replica made
		// while this reset settled: read the shared state again
		k.Replicas.markStale()
		w.WriteHeader(http.StatusNoContent)
	})
	r.Get("/journal", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		limit, since, ok := 0, uint64(0), true
		if v := q.Get("limit"); v != "" {
			n, err := strconv.Atoi(v)
			limit, ok = n, err == nil && n >= 0
		}
		if v := q.Get("since"); ok && v != "" {
			n, err := strconv.ParseUint(v, 10, 64)
			since, ok = n, err == nil
		}
		if !ok {
			problem.Write(w, http.StatusBadRequest, "invalid-query", "Invalid query",
				"limit is a number ≥ 0 (0: all that is kept) and since a sequence number of the journal (seq).", nil)
			return
		}
		var entries []Entry
		if k.Replicas != nil {
			var err error
			if entries, err = k.sharedJournal(r, limit, since); !k.changed(w, r, err) {
				return
			}
		} else if portal, scoped := PortalScope(r.Context()); scoped {
			entries = k.Journal.lastOf(limit, since, q.Get("scenario"), portal, k.SharedPaths)
		} else {
			entries = k.Journal.Last(limit, since, q.Get("scenario"))
		}
		if entries == nil {
			entries = []Entry{}
		}
		JSON(w, http.StatusOK, map[string]any{"component": k.Component, "entries": entries})
	})
	r.Get("/faults", func(w http.ResponseWriter, r *http.Request) {
		if k.Replicas != nil && !k.changed(w, r, k.Replicas.syncFaultCounts(r.Context(), k.Faults)) {
			return
		}
		list := k.Faults.List()
		if portal, scoped := PortalScope(r.Context()); scoped {
			list = slices.DeleteFunc(list, func(f *Fault) bool { return f.ClientID != portal })
		}
		JSON(w, http.StatusOK, map[string]any{"faults": list})
	})
	r.Post("/faults", func(w http.ResponseWriter, r *http.Request) {
		var f Fault
		if !DecodeJSON(w, r, &f) {
			return
		}
		// a portal's fault catches only its own calls
		if portal, scoped := PortalScope(r.Context()); scoped && f.ClientID == "" {
			f.ClientID = portal
		}
		if ForbidOtherPortal(w, r, f.ClientID) {
			return
		}
		var added *Fault
		err := k.Replicas.Change(r.Context(), "faults", func() (err error) {
			added, err = k.Faults.Add(&f)
			return err
		})
		if errors.Is(err, ErrBadFault) {
			problem.Write(w, http.StatusBadRequest, "invalid-fault", "Invalid fault", err.Error(), nil)
			return
		}
		if !k.changed(w, r, err) {
			return
		}
		JSON(w, http.StatusCreated, added)
	})
	r.Delete("/faults", func(w http.ResponseWriter, r *http.Request) {
		err := k.Replicas.Change(r.Context(), "faults", func() error {
			if portal, scoped := PortalScope(r.Context()); scoped {
				k.Faults.ClearClient(portal)
			} else {
				k.Faults.Clear()
			}
			return nil
		})
		if k.changed(w, r, err) {
			w.WriteHeader(http.StatusNoContent)
		}
	})
	r.Get("/clock", func(w http.ResponseWriter, r *http.Request) {
		clock, _ := k.clockOf(r)
		writeClock(w, clock)
	})
	r.Post("/clock", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Advance string `json:"advance"`
		}
		if !DecodeJSON(w, r, &body) {
			return
		}
		d, err := time.ParseDuration(body.Advance)
		if err != nil || d <= 0 {
			problem.Write(w, http.StatusBadRequest, "invalid-clock", "Invalid clock change",
				`"advance" must be a positive Go duration such as "31s" or "168h"; the sandbox clock never goes back.`, nil)
			return
		}
		clock, part := k.clockOf(r)
		err = k.Replicas.Change(r.Context(), part, func() error { return clock.Advance(d) })
		if errors.Is(err, ErrClockBound) {
			problem.Write(w, http.StatusBadRequest, "invalid-clock", "Invalid clock change",
				"The sandbox clock goes at most 100 years (876000h) ahead of real time; it is "+clock.Offset().String()+
					" ahead, so an advance of "+d.String()+" is refused and the clock stays where it was. DELETE /__sandbox/clock puts it back on real time.", nil)
			return
		}
		if k.changed(w, r, err) {
			writeClock(w, clock)
		}
	})
	// DELETE puts the clock back on real time (what already expired stays
	// expired: it was recorded so).
	r.Delete("/clock", func(w http.ResponseWriter, r *http.Request) {
		clock, part := k.clockOf(r)
		err := k.Replicas.Change(r.Context(), part, func() error { clock.Reset(); return nil })
		if k.changed(w, r, err) {
			writeClock(w, clock)
		}
	})
}

// clockOf is the clock a control call reads or moves: the portal's own for
// a portal's token (only where the component keeps one: portalMay), the
// component's otherwise; and the part replicas share it in (replicas.go).
func (k *Kit) clockOf(r *http.Request) (*Clock, string) {
	if portal, scoped := PortalScope(r.Context()); scoped && k.PortalClock != nil {
		return k.PortalClock.For(portal), "portal-clocks"
	}
	return k.Clock, "clock"
}

func writeClock(w http.ResponseWriter, c *Clock) {
	JSON(w, http.StatusOK, map[string]string{
		"now": c.Now().UTC().Format(time.RFC3339Nano), "offset": c.Offset().String(),
	})
}

// JSON writes v as JSON with status.
func JSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// maxControlBody bounds control-API bodies.
const maxControlBody = 1 << 20

// DecodeJSON decodes a JSON body strictly into v: sent as application/json,
// one JSON object and nothing after it but white space, no unknown field.
// Otherwise it writes a 400, 413 or 415 problem and returns false.
func DecodeJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	ct := r.Header.Get("Content-Type")
	if ct == "" && r.ContentLength == 0 {
		problem.Write(w, http.StatusBadRequest, "invalid-body", "Invalid body",
			"The body is empty; this call takes a JSON object, sent with 'Content-Type: application/json'.", nil)
		return false
	}
	if !isJSON(ct) {
		problem.Write(w, http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported media type",
			"This call takes a JSON object: send it with 'Content-Type: application/json'.", nil)
		return false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxControlBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		// one value only: {}{} or {} x is not a JSON body (RFC 8259 §2)
		if _, next := dec.Token(); next != io.EOF {
			err = errTrailing
			if tooLarge := new(http.MaxBytesError); errors.As(next, &tooLarge) {
				err = next
			}
		}
	}
	if err == nil {
		return true
	}
	detail := "The body is not valid JSON for this call: " + problem.JSONError(err)
	switch tooLarge := new(http.MaxBytesError); {
	case errors.Is(err, io.EOF):
		detail = "The body is empty; this call takes a JSON object."
	case errors.Is(err, errTrailing):
		detail = "The body holds something after its JSON object; this call takes one JSON object."
	case errors.As(err, &tooLarge):
		problem.Write(w, http.StatusRequestEntityTooLarge, "body-too-large", "Body too large",
			"A control call's body is at most 1 MiB.", nil)
		return false
	}
	problem.Write(w, http.StatusBadRequest, "invalid-body", "Invalid body", detail, nil)
	return false
}

var errTrailing = errors.New("data after the JSON value")
