package sandbox

import (
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// TestShutdownDoesNotWaitForUnusedConnections: closing a server waits for
// the request under way, which completes, but not for a connection a
// client opened and never used (Shutdown alone waits 5 s for one).
func TestShutdownDoesNotWaitForUnusedConnections(t *testing.T) {
	release := make(chan struct{})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		<-release
		_, _ = io.WriteString(w, "done")
	})}
	var watch requestWatch
	watch.watch(srv)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()

	unused, err := net.Dial("tcp", ln.Addr().String()) // dialled ahead, never used
	if err != nil {
		t.Fatal(err)
	}
	defer unused.Close()
	answer := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/")
		if err != nil {
			answer <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		answer <- string(b)
	}()
	for watch.idle() { // the request is under way
		time.Sleep(time.Millisecond)
	}

	grace, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	closed := make(chan struct{})
	go func() {
		watch.shutdown(grace, srv)
		close(closed)
	}()
	select {
	case <-closed:
		t.Fatal("the server closed with a request under way")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	if got := <-answer; got != "done" {
		t.Fatalf("the request under way got %q", got)
	}
	select {
	case <-closed:
	case <-time.After(4 * time.Second):
		t.Fatal("closing waited for a connection nobody used")
	}
}
