package control

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Fault is an answer queued for the next Count requests whose method (if set)
// and path prefix match: a status with a body, or only a delay before the
// normal answer (Status 0).
type Fault struct {
	ID     uint64 `json:"id"`
	Method string `json:"method,omitempty"`
	Path   string `json:"path"`
	// ClientID, when set, limits the fault to requests of that client (its
	// HTTP Basic user, or a client_id query parameter), so that parallel
	// scenarios never catch each other's faults.
	ClientID    string        `json:"client_id,omitempty"`
	Status      int           `json:"status,omitempty"`
	Body        string        `json:"body,omitempty"`
	ContentType string        `json:"content_type,omitempty"`
	Delay       time.Duration `json:"-"`
	DelayText   string        `json:"delay,omitempty"`
	Count       int64         `json:"count"`

	left atomic.Int64
}

// Remaining returns how many more requests the fault will catch.
func (f *Fault) Remaining() int64 { return f.left.Load() }

// Faults is the queue of injected faults. Reading it on each request costs an
// atomic load; only adding and clearing (control calls) take the mutex.
type Faults struct {
	mu   sync.Mutex
	list atomic.Pointer[[]*Fault]
	ids  atomic.Uint64
	// take1, when set (a kit shared with replicas: Kit.Share), consumes
	// one of a matching fault's count where the replicas keep it, and says
	// whether one was left; an error says nothing was taken.
	take1 func(ctx context.Context, f *Fault) (bool, error)
}

// ErrBadFault is returned by Add for a fault that cannot apply.
var ErrBadFault = errors.New("fault needs a path starting with '/', a count ≥ 1, and a status (100–599) or a delay (at most 1m: servers cut a response that takes longer)")

// MaxFaultDelay bounds a fault's delay: past the servers' write timeout
// (60 s) the answer never arrives, whatever the fault says.
const MaxFaultDelay = time.Minute

// Add queues f and returns it with its ID.
func (q *Faults) Add(f *Fault) (*Fault, error) {
	if f.DelayText != "" {
		d, err := time.ParseDuration(f.DelayText)
		if err != nil || d < 0 || d > MaxFaultDelay {
			return nil, ErrBadFault
		}
		f.Delay = d
	}
	if f.Count == 0 {
		f.Count = 1
	}
	if !strings.HasPrefix(f.Path, "/") || f.Count < 1 || (f.Status == 0 && f.Delay == 0) ||
		(f.Status != 0 && (f.Status < 100 || f.Status > 599)) {
		return nil, ErrBadFault
	}
	f.ID = q.ids.Add(1)
	f.left.Store(f.Count)
	q.mu.Lock()
	defer q.mu.Unlock()
	var next []*Fault
	if cur := q.list.Load(); cur != nil {
		for _, g := range *cur {
			if g.left.Load() > 0 {
				next = append(next, g)
			}
		}
	}
	next = append(next, f)
	q.list.Store(&next)
	return f, nil
}

// List returns the faults that still have requests to catch.
func (q *Faults) List() []*Fault {
	var out []*Fault
	if cur := q.list.Load(); cur != nil {
		for _, f := range *cur {
			if f.left.Load() > 0 {
				out = append(out, f)
			}
		}
	}
	return out
}

// Clear removes every fault.
func (q *Faults) Clear() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.list.Store(nil)
}

// ClearClient removes the faults of one client (a portal clearing its
// own), leaving the others'.
func (q *Faults) ClearClient(clientID string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	cur := q.list.Load()
	if cur == nil {
		return
	}
	next := slices.DeleteFunc(slices.Clone(*cur), func(f *Fault) bool { return f.ClientID == clientID })
	q.list.Store(&next)
}

// take returns the first matching fault with requests left, consuming one.
func (q *Faults) take(r *http.Request) *Fault {
	cur := q.list.Load()
	if cur == nil {
		return nil
	}
	for _, f := range *cur {
		if (f.Method != "" && !strings.EqualFold(f.Method, r.Method)) || !strings.HasPrefix(r.URL.Path, f.Path) ||
			(f.ClientID != "" && requestClient(r) != f.ClientID) {
			continue
		}
		for {
			n := f.left.Load()
			if n <= 0 {
				break
			}
			if f.left.CompareAndSwap(n, n-1) {
				if q.take1 != nil {
					ok, err := q.take1(r.Context(), f)
					if err != nil {
						// the store did not answer: nothing was taken there, so
						// this replica gives its own back and serves the request
						// as if no fault matched (the next one tries again)
						f.left.Add(1)
						break
					}
					if !ok {
						f.left.Store(0) // other replicas took the rest
						break
					}
				}
				return f
			}
		}
	}
	return nil
}

// Inject is middleware that applies queued faults to requests outside
// /__sandbox/.
func Inject(q *Faults) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/__sandbox/") {
				next.ServeHTTP(w, r)
				return
			}
			f := q.take(r)
			if f == nil {
				next.ServeHTTP(w, r)
				return
			}
			if f.Delay > 0 {
				select {
				case <-time.After(f.Delay):
				case <-r.Context().Done():
					return
				}
			}
			if f.Status == 0 {
				next.ServeHTTP(w, r)
				return
			}
			noteInjected(r.Context())
			ct := f.ContentType
			if ct == "" {
				ct = "application/json"
			}
			w.Header().Set("Content-Type", ct)
			w.WriteHeader(f.Status)
			_, _ = w.Write([]byte(f.Body))
		})
	}
}

// MarshalJSON writes the fault with what is left of it.
func (f *Fault) MarshalJSON() ([]byte, error) {
	type plain Fault
	return json.Marshal(struct {
		*plain
		Remaining int64 `json:"remaining"`
	}{(*plain)(f), f.left.Load()})
}

// requestClient names the client of a request without reading its body:
// its HTTP Basic user, its client_id parameter, or the client_id (or sub)
// of a JWT bearer token (read, not verified: it only picks the fault; the
// handler still checks the token).
func requestClient(r *http.Request) string {
	if user, _, ok := r.BasicAuth(); ok {
		return user
	}
	if id := r.URL.Query().Get("client_id"); id != "" {
		return id
	}
	if scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
		tok = strings.TrimLeft(tok, " ")
		parts := strings.Split(tok, ".")
		if len(parts) == 3 {
			if b, err := base64.RawURLEncoding.DecodeString(parts[1]); err == nil {
				var c struct {
					ClientID string `json:"client_id"`
					Sub      string `json:"sub"`
				}
				if json.Unmarshal(b, &c) == nil {
					return cmp.Or(c.ClientID, c.Sub)
				}
			}
		}
	}
	return ""
}
