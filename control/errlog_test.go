package control

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// syncLog is a log destination tests can read while servers write.
type syncLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncLog) take() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.b.String()
	l.b.Reset()
	return s
}

// TestEveryServerErrorIsLogged: each 5xx a component answers leaves one log
// line, with the cause the handler noted and the start of the answer; a
// fault a scenario injected, and a client that went away, are said to be
// so; a 4xx leaves none.
func TestEveryServerErrorIsLogged(t *testing.T) {
	var logs syncLog
	k := NewKit("test", nil, "")
	k.Log = slog.New(slog.NewTextHandler(&logs, nil))
	mux := http.NewServeMux()
	mux.HandleFunc("/store", func(w http.ResponseWriter, r *http.Request) {
		NoteCause(r.Context(), errors.New("sqlite: database is locked"))
		http.Error(w, `{"detail":"The core failed; its log says why."}`, http.StatusInternalServerError)
	})
	mux.HandleFunc("/register", func(w http.ResponseWriter, r *http.Request) {
		NoteCause(r.Context(), errors.New("sirene: dial tcp: connection refused"))
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	mux.HandleFunc("/library", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte("panic-free but broken"))
	})
	mux.HandleFunc("/bad", func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "bad input", http.StatusBadRequest)
	})
	mux.HandleFunc("/gone", func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
		NoteCause(r.Context(), r.Context().Err())
		w.WriteHeader(http.StatusInternalServerError)
	})
	mux.HandleFunc("/faulty", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	h := k.Middleware(mux)
	if _, err := k.Faults.Add(&Fault{Path: "/faulty", Status: 503, Body: `{"error":"injected"}`, Count: 1}); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		path string
		want []string // in the one line logged; nil: no line
	}{
		{"/store", []string{"level=ERROR", `msg="server error"`, "status=500", `err="sqlite: database is locked"`, "its log says why"}},
		{"/register", []string{"level=WARN", "status=503", "connection refused"}},
		{"/library", []string{"level=ERROR", "path=/library", `answer="panic-free but broken"`}},
		{"/faulty", []string{"level=INFO", `msg="injected fault answered"`, "status=503"}},
		{"/bad", nil},
	} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "http://localhost"+tc.path, nil))
		got := logs.take()
		if tc.want == nil {
			if got != "" {
				t.Errorf("%s: a 4xx was logged: %s", tc.path, got)
			}
			continue
		}
		if strings.Count(got, "\n") != 1 {
			t.Errorf("%s: want one line, got:\n%s", tc.path, got)
		}
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: the line lacks %s:\n%s", tc.path, w, got)
			}
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "http://localhost/gone", nil).WithContext(ctx))
	if got := logs.take(); !strings.Contains(got, "level=INFO") || !strings.Contains(got, "client gone") {
		t.Errorf("an answer to a client that went away is not an error:\n%s", got)
	}
}
