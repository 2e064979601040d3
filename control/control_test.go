package control_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/proconnect-sandbox/proconnect-sandbox/control"
)

// newComponent mounts a kit on a tiny component whose only route answers 200.
func newComponent(t *testing.T, token string) (*control.Kit, http.Handler) {
	t.Helper()
	k := control.NewKit("test", nil, token)
	r := chi.NewRouter()
	r.Use(k.Middleware)
	r.Get("/hello", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("hello")) })
	r.Route("/__sandbox", func(r chi.Router) {
		r.Use(k.Guard)
		k.Mount(r, nil)
	})
	return k, r
}

func do(h http.Handler, method, path, body string, hdr ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "http://localhost"+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestFaultsApplyToTheNextNRequests(t *testing.T) {
	_, h := newComponent(t, "")
	if rec := do(h, "POST", "/__sandbox/faults", `{"path":"/hello","status":503,"body":"{\"e\":1}","count":2}`); rec.Code != http.StatusCreated {
		t.Fatalf("add fault: %d %s", rec.Code, rec.Body)
	}
	for i, want := range []int{503, 503, 200} {
		if rec := do(h, "GET", "/hello", ""); rec.Code != want {
			t.Fatalf("request %d: %d, want %d", i, rec.Code, want)
		}
	}
	for _, bad := range []string{`{"path":"hello","status":500}`, `{"path":"/x"}`, `{"path":"/x","status":999}`, `{"path":"/x","delay":"soon"}`, `{"path":"/x","delay":"1000h"}`, `{"path":"/x","delay":"61s"}`, `{"nope":1}`, ``} {
		if rec := do(h, "POST", "/__sandbox/faults", bad); rec.Code != http.StatusBadRequest ||
			rec.Header().Get("Content-Type") != "application/problem+json" {
			t.Errorf("fault %q: %d %s", bad, rec.Code, rec.Header().Get("Content-Type"))
		}
	}
}

func TestDelayFaultThenNormalAnswer(t *testing.T) {
	_, h := newComponent(t, "")
	do(h, "POST", "/__sandbox/faults", `{"path":"/hello","delay":"30ms"}`)
	start := time.Now()
	rec := do(h, "GET", "/hello", "")
	if rec.Code != 200 || rec.Body.String() != "hello" || time.Since(start) < 30*time.Millisecond {
		t.Fatalf("delayed answer: %d %q after %s", rec.Code, rec.Body, time.Since(start))
	}
}

func TestJournalRedactsSecrets(t *testing.T) {
	_, h := newComponent(t, "")
	do(h, "GET", "/hello?code=SECRET&client_secret=S2&state=S3&scope=openid", "", control.ScenarioHeader, "sc-1")
	do(h, "GET", "/hello?x=1", "", control.ScenarioHeader, "sc-2")
	rec := do(h, "GET", "/__sandbox/journal?scenario=sc-1", "")
	var got struct {
		Entries []control.Entry `json:"entries"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Entries) != 1 {
		t.Fatalf("entries %+v", got.Entries)
	}
	q := got.Entries[0].Query
	if strings.Contains(q, "SECRET") || strings.Contains(q, "S2") || strings.Contains(q, "S3") || !strings.Contains(q, "scope=openid") {
		t.Fatalf("query not redacted: %q", q)
	}
}

func TestJournalKeepsTheLastEntries(t *testing.T) {
	j := control.NewJournal(3)
	for i := range 5 {
		j.Add(control.Entry{Path: "/" + string(rune('a'+i))})
	}
	got := j.Last(0, 0, "")
	if len(got) != 3 || got[0].Path != "/c" || got[2].Path != "/e" {
		t.Fatalf("last = %+v", got)
	}
	if got := j.Last(0, 4, ""); len(got) != 1 || got[0].Path != "/e" {
		t.Fatalf("since 4 = %+v", got)
	}
}

func TestGuardWhenShared(t *testing.T) {
	_, h := newComponent(t, "tok")
	if rec := do(h, "GET", "/__sandbox/healthz", ""); rec.Code != 200 {
		t.Fatalf("healthz must stay open: %d", rec.Code)
	}
	if rec := do(h, "POST", "/__sandbox/reset", ""); rec.Code != http.StatusUnauthorized {
		t.Fatalf("reset without token: %d", rec.Code)
	}
	if rec := do(h, "POST", "/__sandbox/reset", "", "Authorization", "Bearer nope"); rec.Code != http.StatusUnauthorized {
		t.Fatalf("reset with a wrong token: %d", rec.Code)
	}
	if rec := do(h, "POST", "/__sandbox/reset", "", "Authorization", "Bearer tok"); rec.Code != http.StatusNoContent {
		t.Fatalf("reset with the token: %d", rec.Code)
	}
}

func TestClockOnlyMovesForward(t *testing.T) {
	k, h := newComponent(t, "")
	before := k.Clock.Now()
	if rec := do(h, "POST", "/__sandbox/clock", `{"advance":"1h"}`); rec.Code != 200 {
		t.Fatalf("advance: %d", rec.Code)
	}
	if d := k.Clock.Now().Sub(before); d < time.Hour {
		t.Fatalf("clock moved %s", d)
	}
	for _, bad := range []string{`{"advance":"-1h"}`, `{"advance":"later"}`, `{}`} {
		if rec := do(h, "POST", "/__sandbox/clock", bad); rec.Code != http.StatusBadRequest {
			t.Errorf("%s: %d", bad, rec.Code)
		}
	}
	do(h, "POST", "/__sandbox/reset", "")
	if k.Clock.Offset() != 0 {
		t.Fatal("reset keeps the clock offset")
	}
}

// TestFaultForOneBearerClient: a fault scoped to a client catches the
// requests whose bearer JWT names it, and no other client's.
func TestFaultForOneBearerClient(t *testing.T) {
	_, h := newComponent(t, "")
	if rec := do(h, "POST", "/__sandbox/faults", `{"path":"/hello","client_id":"portail-a","status":401,"count":1}`); rec.Code != http.StatusCreated {
		t.Fatalf("add fault: %d %s", rec.Code, rec.Body)
	}
	jwt := func(claims string) string {
		enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
		return "Bearer " + enc(`{"alg":"ES256"}`) + "." + enc(claims) + ".c2ln"
	}
	if rec := do(h, "GET", "/hello", "", "Authorization", jwt(`{"client_id":"portail-b"}`)); rec.Code != 200 {
		t.Fatalf("another client caught the fault: %d", rec.Code)
	}
	if rec := do(h, "GET", "/hello", "", "Authorization", jwt(`{"client_id":"portail-a"}`)); rec.Code != 401 {
		t.Fatalf("the client's request: %d, want 401", rec.Code)
	}
	if rec := do(h, "GET", "/hello", "", "Authorization", jwt(`{"client_id":"portail-a"}`)); rec.Code != 200 {
		t.Fatalf("the fault caught more than its count: %d", rec.Code)
	}
}

// TestJournalRefusesABadQuery: a limit or a since the journal cannot read
// is a 400, not silently the whole journal.
func TestJournalRefusesABadQuery(t *testing.T) {
	k := control.NewKit("test", nil, "")
	r := chi.NewRouter()
	r.Route("/__sandbox", func(r chi.Router) { k.Mount(r, nil) })
	for q, want := range map[string]int{"limit=-1": 400, "since=abc": 400, "limit=x": 400, "limit=5&since=0": 200, "": 200} {
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/__sandbox/journal?"+q, nil))
		if rec.Code != want {
			t.Errorf("journal?%s: %d, want %d", q, rec.Code, want)
		}
	}
}
