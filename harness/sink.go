package harness

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
)

// sink is the events endpoint of the portals the proconnect suite registers:
// it keeps every event by portal, and fails the next N deliveries of a
// portal on request (a portal down).
type sink struct {
	srv  *httptest.Server
	base string // what portals are given
	mu   sync.Mutex
	got  map[string][]string // portal → compact JWS received (2xx answered)
	hits map[string]int      // portal → deliveries seen, failed or not
	down map[string]int      // portal → deliveries still to fail
	// files are served at /fichiers/NAME: what a forged event points to
	// (a forger's JWKS by jku, its certificate by x5u)
	files map[string]servedFile
}

type servedFile struct {
	contentType string
	body        []byte
}

func newSink() *sink {
	s, _ := newSinkAt("", "") // a loopback listener on a free port: cannot fail
	return s
}

// newSinkAt listens on listen (host:port; default a free loopback port) and
// gives portals the base advertise (default its own URL): in a container,
// the core reaches it by the container's name.
func newSinkAt(listen, advertise string) (*sink, error) {
	s := &sink{got: map[string][]string{}, hits: map[string]int{}, down: map[string]int{}, files: map[string]servedFile{}}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if name, ok := strings.CutPrefix(r.URL.Path, "/fichiers/"); ok {
			s.mu.Lock()
			f, found := s.files[name]
			s.mu.Unlock()
			if !found {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", f.contentType)
			_, _ = w.Write(f.body)
			return
		}
		portal := strings.TrimPrefix(r.URL.Path, "/events/")
		body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<10))
		s.mu.Lock()
		defer s.mu.Unlock()
		s.hits[portal]++
		if s.down[portal] > 0 {
			s.down[portal]--
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		s.got[portal] = append(s.got[portal], string(body))
		w.WriteHeader(http.StatusNoContent)
	}))
	if listen != "" {
		ln, err := net.Listen("tcp", listen)
		if err != nil {
			return nil, fmt.Errorf("le récepteur d'événements sur %s : %w", listen, err)
		}
		s.srv.Listener.Close()
		s.srv.Listener = ln
	}
	s.srv.Start()
	s.base = strings.TrimRight(advertise, "/")
	if s.base == "" {
		s.base = s.srv.URL
	}
	return s, nil
}

func (s *sink) url(portal string) string { return s.base + "/events/" + portal }

// serve publishes body at a URL of the sink and returns it.
func (s *sink) serve(name, contentType string, body []byte) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files[name] = servedFile{contentType, body}
	return s.base + "/fichiers/" + name
}

func (s *sink) fail(portal string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down[portal] = n
}

func (s *sink) events(portal string) ([]string, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.got[portal]...), s.hits[portal]
}

func (s *sink) close() { s.srv.Close() }
