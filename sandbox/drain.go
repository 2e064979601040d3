package sandbox

import (
	"context"
	"net"
	"net/http"
	"sync"
	"time"
)

// requestWatch counts the connections of a server that are serving a
// request, from their states (http.Server.ConnState), so that closing the
// sandbox ends as soon as no request is under way. Shutdown alone also
// waits for connections a client dialled and has not used yet (Go's
// transport dials ahead under concurrency; a new connection counts as busy
// for 5 s), which made every close of the sandbox take its whole grace:
// 300 ms at the end of each conformance run.
type requestWatch struct {
	mu     sync.Mutex
	states map[net.Conn]http.ConnState
	active int
}

// watch makes w follow srv's connections.
func (w *requestWatch) watch(srv *http.Server) {
	w.states = map[net.Conn]http.ConnState{}
	srv.ConnState = func(c net.Conn, st http.ConnState) {
		w.mu.Lock()
		defer w.mu.Unlock()
		if w.states[c] == http.StateActive {
			w.active--
		}
		if st == http.StateActive {
			w.active++
		}
		if st == http.StateClosed || st == http.StateHijacked {
			delete(w.states, c)
		} else {
			w.states[c] = st
		}
	}
}

// idle says whether no request is being served.
func (w *requestWatch) idle() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.active == 0
}

// shutdown stops srv: no new connection, the requests under way finish
// within grace's deadline, then every connection is closed; it returns as
// soon as no request is under way.
func (w *requestWatch) shutdown(grace context.Context, srv *http.Server) {
	done := make(chan error, 1)
	go func() { done <- srv.Shutdown(grace) }()
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			if err != nil {
				_ = srv.Close()
			}
			return
		case <-tick.C:
			if w.idle() {
				_ = srv.Close()
				<-done
				return
			}
		}
	}
}
