package franceconnect

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
)

// TestCachedLoginPageIsTheRenderedOne: the login page served from the
// cache is, for every client of both profiles, byte for byte the page the
// template renders for the same interaction, with the same headers; a page
// with a login or an error is rendered in full.
func TestCachedLoginPageIsTheRenderedOne(t *testing.T) {
	set, err := fixtures.Default()
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(Config{PublicURL: "http://127.0.0.1:7101", Fixtures: set})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.listedPersonas) < 2 {
		t.Fatalf("%d personas listed", len(m.listedPersonas))
	}
	for _, c := range set.Clients {
		entry, _ := m.client(c.ClientID)
		for i, uid := range []string{randomID(), randomID(), "a-b_C9"} {
			it := &interaction{uid: uid, client: entry}
			cached := httptest.NewRecorder()
			m.renderLogin(cached, http.StatusOK, it, "", "")
			full := httptest.NewRecorder()
			full.Header().Set("Cache-Control", "no-store")
			m.render(full, http.StatusOK, "login.html", m.loginPageData(it, uid, "", ""))
			if cached.Body.String() != full.Body.String() {
				t.Fatalf("client %s, uid %s: the cached page differs:\n%s\n----\n%s", c.ClientID, uid, cached.Body, full.Body)
			}
			for _, h := range []string{"Content-Type", "Cache-Control"} {
				if cached.Header().Get(h) != full.Header().Get(h) {
					t.Errorf("client %s: %s %q, want %q", c.ClientID, h, cached.Header().Get(h), full.Header().Get(h))
				}
			}
			if got := cached.Header().Get("Content-Length"); got != strconv.Itoa(full.Body.Len()) {
				t.Errorf("client %s: Content-Length %s for %d bytes", c.ClientID, got, full.Body.Len())
			}
			if _, ok := m.loginPages.pages.Load(loginPageKey{entry.profile.name, c.Name}); !ok && i == 0 {
				t.Errorf("client %s: page not cached", c.ClientID)
			}
		}
	}
	entry, _ := m.client("sandbox-fs")
	for _, tc := range []struct{ uid, login, problem string }{
		{"odd uid<>", "", ""}, {randomID(), "angela", "Identifiant ou mot de passe incorrect."},
	} {
		it := &interaction{uid: tc.uid, client: entry}
		got := httptest.NewRecorder()
		status := http.StatusOK
		if tc.problem != "" {
			status = http.StatusUnauthorized
		}
		m.renderLogin(got, status, it, tc.login, tc.problem)
		want := httptest.NewRecorder()
		m.render(want, status, "login.html", m.loginPageData(it, tc.uid, tc.login, tc.problem))
		if got.Code != status || got.Body.String() != want.Body.String() {
			t.Errorf("uid %q login %q: %d, the page differs from the full render", tc.uid, tc.login, got.Code)
		}
	}
}
