package ui

import (
	"net/http"
	"testing"
)

// TestHandlerReadsNothingBeforeARequest: every component builds a Handler
// at each start of the sandbox; the design system's files are read on their
// first request, once per process (issue 14: reading, gunzipping and hashing
// them all cost 5 to 7 ms per component).
func TestHandlerReadsNothingBeforeARequest(t *testing.T) {
	if n := testing.AllocsPerRun(10, func() { _ = Serve(http.NotFoundHandler()) }); n > 4 {
		t.Errorf("building a component's file server allocates %.0f times, want at most 4: the files are read at start", n)
	}
	// two components serve the same bytes: read once
	a, b := Handler(), Handler()
	for _, h := range []http.Handler{a, b} {
		if got := get(t, h, http.MethodGet, Prefix+"dsfr.min.css", "Accept-Encoding", "gzip"); got.Code != http.StatusOK {
			t.Fatalf("dsfr.min.css: %d", got.Code)
		}
	}
	css := assets()["dsfr.min.css"]
	if css == nil || len(css.body) == 0 || css.gz == nil || css.etag == "" {
		t.Fatalf("dsfr.min.css after a request: %+v", css)
	}
}
