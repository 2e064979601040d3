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
}

func newSink() *sink {
	s, _ := newSinkAt("", "") // a loopback listener on a free port: cannot fail
	return s
}

// newSinkAt listens on listen (host:port; default a free loopback port) and
// gives portals the base advertise (default its own URL): in a container,
// the core reaches it by the container's name.
func newSinkAt(listen, advertise string) (*sink, error) {
	s := &sink{got: map[string][]string{}, hits: map[string]int{}, down: map[string]int{}}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
			return nil, fmt.Errorf("the events sink on %s: %w", listen, err)
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
