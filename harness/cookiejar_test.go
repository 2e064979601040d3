package harness

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// cookieT0 is when every cookie test starts: any fixed instant would do.
func cookieT0() time.Time { return time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) }

// setAt is one Set-Cookie value received from url, at t0 + at.
type setAt struct {
	url  string
	line string
	at   time.Duration
}

func mustURL(tb testing.TB, raw string) *url.URL {
	tb.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		tb.Fatalf("url %q: %v", raw, err)
	}
	return u
}

// fillCookies feeds sets, in order, to a new store and returns it with the
// refusals.
func fillCookies(tb testing.TB, sets []setAt) (*cookieStore, []error) {
	tb.Helper()
	s := newCookieStore()
	var errs []error
	for _, set := range sets {
		errs = append(errs, s.setCookies(mustURL(tb, set.url), []string{set.line}, cookieT0().Add(set.at))...)
	}
	return s, errs
}

// get asks for the Cookie header of a top-level GET the person typed.
func get(tb testing.TB, s *cookieStore, raw string, at time.Duration) string {
	tb.Helper()
	return s.cookieHeader(cookieRequest{URL: mustURL(tb, raw), Now: cookieT0().Add(at)})
}

func TestCookieStoreKeepsWhatChromiumKeeps(t *testing.T) {
	const lh, ex = "http://localhost:7100/", "http://example.test/"
	long := strings.Repeat("v", maxCookieNameValue-1) // with a one-byte name: 4096
	tests := []struct {
		name    string
		sets    []setAt
		get     string
		want    string
		refused int
	}{
		{name: "quoted JSON value comes back byte for byte",
			sets: []setAt{{url: lh + "retour", line: `portail_state="{\"state\":\"abc\",\"siren\":\"123\"}"; Path=/; HttpOnly; SameSite=Lax`}},
			get:  lh + "retour?code=x", want: `portail_state="{\"state\":\"abc\",\"siren\":\"123\"}"`},
		{name: "commas, inner spaces and '=' stay in the value",
			sets: []setAt{{url: lh, line: "list=a, b ,c d=e; Path=/"}},
			get:  lh, want: "list=a, b ,c d=e"},
		{name: "spaces and tabs around name and value go",
			sets: []setAt{{url: lh, line: "\t name \t= \tv w  ; Path=/"}},
			get:  lh, want: "name=v w"},
		{name: "an inner tab refuses the cookie, as in Chromium",
			sets: []setAt{{url: lh, line: "tab=a\tb; Path=/"}},
			get:  lh, refused: 1},
		{name: "a cookie without '=' is nameless and sent as its bare value",
			sets: []setAt{{url: lh, line: "justavalue; Path=/"}},
			get:  lh, want: "justavalue"},
		{name: "'=value' is the same nameless cookie, and replaces it",
			sets: []setAt{{url: lh, line: "first"}, {url: lh, line: "=second"}},
			get:  lh, want: "second"},
		{name: "control characters other than HTAB refuse the cookie",
			sets: []setAt{{url: lh, line: "a=b\x01c"}, {url: lh, line: "d=e\x7f"}, {url: lh, line: "f=g; Path=/\x00"}},
			get:  lh, refused: 3},
		{name: "neither name nor value is refused",
			sets: []setAt{{url: lh, line: "="}, {url: lh, line: "  ; Path=/"}},
			get:  lh, refused: 2},
		{name: "name and value may take 4096 bytes, not one more",
			sets: []setAt{{url: lh, line: "n=" + long}, {url: lh, line: "m=" + long + "v"}},
			get:  lh, want: "n=" + long, refused: 1},
		{name: "host-only cookie stays on its host, a Domain cookie reaches subdomains",
			sets: []setAt{{url: ex, line: "host=1"}, {url: ex, line: "dom=1; Domain=example.test"}},
			get:  "http://www.example.test/", want: "dom=1"},
		{name: "both are sent to the host itself",
			sets: []setAt{{url: ex, line: "host=1"}, {url: ex, line: "dom=1; Domain=example.test"}},
			get:  ex, want: "host=1; dom=1"},
		{name: "the leading dot of Domain is ignored",
			sets: []setAt{{url: "http://www.example.test/", line: "d=1; Domain=.EXAMPLE.test"}},
			get:  "http://api.example.test/", want: "d=1"},
		{name: "a Domain the host is not within is refused",
			sets: []setAt{{url: ex, line: "x=1; Domain=other.test"}, {url: ex, line: "y=1; Domain=www.example.test"}},
			get:  "http://www.example.test/", refused: 2},
		{name: "a public suffix as Domain is refused",
			sets: []setAt{{url: "https://portail.gouv.fr/", line: "x=1; Domain=gouv.fr"}, {url: "https://portail.gouv.fr/", line: "y=1; Domain=fr"}},
			get:  "https://autre.gouv.fr/", refused: 2},
		{name: "an IP host takes Domain equal to itself as host-only, nothing else",
			sets: []setAt{{url: "http://127.0.0.1:7100/", line: "ip=1; Domain=127.0.0.1"}, {url: "http://127.0.0.1:7100/", line: "no=1; Domain=0.0.1"}},
			get:  "http://127.0.0.1:8080/", want: "ip=1", refused: 1},
		{name: "localhost takes Domain=localhost as host-only",
			sets: []setAt{{url: lh, line: "l=1; Domain=localhost"}, {url: lh, line: "no=1; Domain=other"}},
			get:  "http://localhost:8080/", want: "l=1", refused: 1},
		{name: "the default path is the request's directory",
			sets: []setAt{{url: ex + "a/b/page", line: "p=1"}},
			get:  ex + "a/b/c", want: "p=1"},
		{name: "the default path does not match a longer name",
			sets: []setAt{{url: ex + "a/b/page", line: "p=1"}},
			get:  ex + "a/bc"},
		{name: "a Path not starting with '/' means the default path",
			sets: []setAt{{url: ex + "a/b/page", line: "p=1; Path=x"}},
			get:  ex + "a/b/c", want: "p=1"},
		{name: "ports share cookies",
			sets: []setAt{{url: lh, line: "s=1"}},
			get:  "http://localhost:8080/", want: "s=1"},
		{name: "Secure over http://localhost is kept and sent (Chromium: localhost is trustworthy)",
			sets: []setAt{{url: lh, line: "sec=1; Secure"}},
			get:  "http://localhost:8080/", want: "sec=1"},
		{name: "Secure over http://127.0.0.1 likewise",
			sets: []setAt{{url: "http://127.0.0.1:7100/", line: "sec=1; Secure; SameSite=None"}},
			get:  "http://127.0.0.1:7100/", want: "sec=1"},
		{name: "Secure over http://example.test is refused",
			sets: []setAt{{url: ex, line: "sec=1; Secure"}},
			get:  "https://example.test/", refused: 1},
		{name: "a Secure cookie from https is not sent over plain http",
			sets: []setAt{{url: "https://example.test/", line: "sec=1; Secure"}, {url: "https://example.test/", line: "plain=1"}},
			get:  ex, want: "plain=1"},
		{name: "SameSite=None without Secure is refused",
			sets: []setAt{{url: "https://example.test/", line: "n=1; SameSite=None"}},
			get:  "https://example.test/", refused: 1},
		{name: "plain http may not overwrite a Secure cookie",
			sets: []setAt{{url: "https://example.test/", line: "id=secure; Secure"}, {url: ex, line: "id=plain"}},
			get:  "https://example.test/", want: "id=secure", refused: 1},
		{name: "__Host- with Secure, Path=/ and no Domain is kept",
			sets: []setAt{{url: "https://example.test/a/b", line: "__Host-id=1; Secure; Path=/"}},
			get:  "https://example.test/", want: "__Host-id=1"},
		{name: "__Host- on http://localhost is kept too",
			sets: []setAt{{url: lh, line: "__Host-id=1; Secure; Path=/"}},
			get:  lh, want: "__Host-id=1"},
		{name: "__Host- and __Secure- rules refuse, whatever the case of the prefix",
			sets: []setAt{
				{url: "https://www.example.test/", line: "__Host-a=1; Secure"},
				{url: "https://www.example.test/", line: "__Host-b=1; Secure; Path=/; Domain=www.example.test"},
				{url: "https://www.example.test/", line: "__Host-c=1; Path=/"},
				{url: "https://www.example.test/", line: "__host-d=1; Path=/"},
				{url: "https://www.example.test/", line: "__SECURE-e=1"},
				{url: "https://www.example.test/", line: "__Host-hidden; Secure; Path=/"},
			},
			get: "https://www.example.test/", refused: 6},
		{name: "__Secure- with Secure is kept",
			sets: []setAt{{url: "https://example.test/", line: "__Secure-e=1; Secure; Domain=example.test"}},
			get:  "https://www.example.test/", want: "__Secure-e=1"},
		{name: "longer path first, then older, then first received",
			sets: []setAt{
				{url: ex + "x/y/z", line: "a=1; Path=/", at: 0},
				{url: ex + "x/y/z", line: "c=1; Path=/x", at: time.Second},
				{url: ex + "x/y/z", line: "b=1; Path=/x/y", at: 2 * time.Second},
				{url: ex + "x/y/z", line: "z=1; Path=/", at: 3 * time.Second},
				{url: ex + "x/y/z", line: "y=1; Path=/", at: 3 * time.Second},
			},
			get: ex + "x/y/z", want: "b=1; c=1; a=1; z=1; y=1"},
		{name: "a replacement with the same value keeps its creation time",
			sets: []setAt{{url: ex, line: "a=1"}, {url: ex, line: "b=1", at: time.Second}, {url: ex, line: "a=1", at: 2 * time.Second}},
			get:  ex, want: "a=1; b=1"},
		{name: "a replacement with a new value is a new cookie",
			sets: []setAt{{url: ex, line: "a=1"}, {url: ex, line: "b=1", at: time.Second}, {url: ex, line: "a=2", at: 2 * time.Second}},
			get:  ex, want: "b=1; a=2"},
		{name: "name, domain and path make a cookie: same three replace, another path adds",
			sets: []setAt{{url: ex, line: "a=1"}, {url: ex, line: "a=2"}, {url: ex, line: "a=3; Path=/x"}},
			get:  ex + "x", want: "a=3; a=2"},
		{name: "a host-only and a Domain cookie of one name are two cookies",
			sets: []setAt{{url: ex, line: "a=host"}, {url: ex, line: "a=dom; Domain=example.test"}},
			get:  ex, want: "a=host; a=dom"},
		{name: "attribute names in any case, the last one wins",
			sets: []setAt{{url: ex, line: "a=1; PATH=/x; path=/y"}},
			get:  ex + "y/z", want: "a=1"},
		{name: "an attribute value over 1024 bytes is ignored, not the cookie",
			sets: []setAt{{url: ex + "p", line: "a=1; Path=/" + strings.Repeat("p", maxCookieAttr)}},
			get:  ex, want: "a=1"},
		{name: "a scheme without cookies keeps none",
			sets: []setAt{{url: "ftp://example.test/", line: "a=1"}},
			get:  ex, refused: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, errs := fillCookies(t, tt.sets)
			if len(errs) != tt.refused {
				t.Errorf("refused %d cookies, want %d: %v", len(errs), tt.refused, errs)
			}
			if got := get(t, s, tt.get, time.Hour); got != tt.want {
				t.Errorf("Cookie: %.200q, want %.200q", got, tt.want)
			}
		})
	}
}

func TestCookieExpiry(t *testing.T) {
	const ex = "http://example.test/"
	const day = 24 * time.Hour
	tests := []struct {
		name string
		sets []setAt
		at   time.Duration
		want string
	}{
		{name: "Max-Age wins over a past Expires",
			sets: []setAt{{url: ex, line: "a=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=60"}},
			at:   30 * time.Second, want: "a=1"},
		{name: "Max-Age wins over a later Expires",
			sets: []setAt{{url: ex, line: "a=1; Max-Age=60; Expires=Wed, 09 Jun 2027 10:18:14 GMT"}},
			at:   61 * time.Second},
		{name: "Max-Age counts from the response",
			sets: []setAt{{url: ex, line: "a=1; Max-Age=60", at: 10 * time.Second}},
			at:   69 * time.Second, want: "a=1"},
		{name: "the cookie is gone when Max-Age has run",
			sets: []setAt{{url: ex, line: "a=1; Max-Age=60", at: 10 * time.Second}},
			at:   70 * time.Second},
		{name: "Max-Age=0 deletes, whatever the value",
			sets: []setAt{{url: ex, line: "a=1"}, {url: ex, line: "a=x; Max-Age=0", at: time.Second}},
			at:   2 * time.Second},
		{name: "a negative Max-Age deletes",
			sets: []setAt{{url: ex, line: "a=1"}, {url: ex, line: "a=1; Max-Age=-1"}},
			at:   time.Second},
		{name: "a past Expires deletes",
			sets: []setAt{{url: ex, line: "a=1"}, {url: ex, line: "a=; Expires=Thu, 01 Jan 1970 00:00:00 GMT"}},
			at:   time.Second},
		{name: "a Max-Age that is not an integer leaves Expires to decide",
			sets: []setAt{{url: ex, line: "a=1; Max-Age=soon; Expires=Thu, 01 Jan 1970 00:00:00 GMT"}},
			at:   time.Second},
		{name: "Max-Age=+60 is not an integer either: a session cookie",
			sets: []setAt{{url: ex, line: "a=1; Max-Age=+60"}},
			at:   10 * day, want: "a=1"},
		{name: "a future Expires keeps the cookie until then",
			sets: []setAt{{url: ex, line: "a=1; Expires=Mon, 02 Mar 2026 10:00:00 GMT"}},
			at:   59 * time.Minute, want: "a=1"},
		{name: "and no longer",
			sets: []setAt{{url: ex, line: "a=1; Expires=Mon, 02 Mar 2026 10:00:00 GMT"}},
			at:   time.Hour},
		{name: "a two-digit year with dashes is read",
			sets: []setAt{{url: ex, line: "a=1; Expires=Monday, 02-Mar-26 10:00:00 GMT"}},
			at:   time.Hour},
		{name: "an impossible Expires is ignored: a session cookie",
			sets: []setAt{{url: ex, line: "a=1; Expires=Mon, 30 Feb 2026 10:00:00 GMT"}},
			at:   2 * time.Hour, want: "a=1"},
		{name: "expiry is clipped to 400 days",
			sets: []setAt{{url: ex, line: "a=1; Max-Age=315360000"}},
			at:   400 * day},
		{name: "an Expires past 400 days is clipped too",
			sets: []setAt{{url: ex, line: "a=1; Expires=Fri, 01 Jan 2100 00:00:00 GMT"}},
			at:   400 * day},
		{name: "a cookie lives up to the 400th day",
			sets: []setAt{{url: ex, line: "a=1; Expires=Fri, 01 Jan 2100 00:00:00 GMT"}},
			at:   399 * day, want: "a=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, errs := fillCookies(t, tt.sets)
			if len(errs) != 0 {
				t.Fatalf("refused: %v", errs)
			}
			if got := get(t, s, ex, tt.at); got != tt.want {
				t.Errorf("Cookie at t0+%v: %q, want %q", tt.at, got, tt.want)
			}
		})
	}
}

func TestCookieDate(t *testing.T) {
	rfc1123 := time.Date(1994, 11, 6, 8, 49, 37, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time // zero: not a cookie-date
	}{
		{in: "Sun, 06 Nov 1994 08:49:37 GMT", want: rfc1123},
		{in: "Sunday, 06-Nov-94 08:49:37 GMT", want: rfc1123},
		{in: "Sun Nov  6 08:49:37 1994", want: rfc1123},
		{in: `"Sun, 06 Nov 1994 08:49:37 GMT"`, want: rfc1123},
		{in: "06 november 1994 8:9:7", want: time.Date(1994, 11, 6, 8, 9, 7, 0, time.UTC)},
		{in: "Thu, 01 Jan 70 00:00:00 GMT", want: time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)},
		{in: "Sat, 01 Jan 69 00:00:00 GMT", want: time.Date(2069, 1, 1, 0, 0, 0, 0, time.UTC)},
		{in: "06 Nov 1600 08:49:37"},
		{in: "31 Apr 2026 00:00:00"},
		{in: "06 Nov 1994"},
		{in: "06 Nov 1994 24:00:00"},
		{in: "06 Nov 1994 123:00:00"},
		{in: ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := parseCookieDate(tt.in)
			if ok != !tt.want.IsZero() || !got.Equal(tt.want) {
				t.Errorf("parseCookieDate(%q) = %v, %v; want %v", tt.in, got, ok, tt.want)
			}
		})
	}
}

func TestCookieSameSite(t *testing.T) {
	const portal = "https://portal.test/"
	sets := []setAt{
		{url: portal, line: "strict=1; SameSite=Strict"},
		{url: portal, line: "lax=1; SameSite=Lax"},
		{url: portal, line: "dflt=1"},
		{url: portal, line: "bogus=1; SameSite=Sometimes"},
		{url: portal, line: "none=1; SameSite=None; Secure"},
		{url: "http://localhost:7100/", line: "local=1; SameSite=Strict"},
	}
	tests := []struct {
		name        string
		url         string
		method      string
		initiator   string // "" for an address the person typed
		subresource bool
		at          time.Duration
		want        string
	}{
		{name: "typed address: everything",
			url: portal, want: "strict=1; lax=1; dflt=1; bogus=1; none=1"},
		{name: "same-site initiator, other subdomain and port: everything",
			url: portal, initiator: "https://idp.portal.test:8443/x", want: "strict=1; lax=1; dflt=1; bogus=1; none=1"},
		{name: "same-site POST: everything",
			url: portal, method: "POST", initiator: portal + "form", at: time.Hour, want: "strict=1; lax=1; dflt=1; bogus=1; none=1"},
		{name: "cross-site top-level GET: no Strict",
			url: portal, initiator: "https://idp.test/", want: "lax=1; dflt=1; bogus=1; none=1"},
		{name: "http is another site than https",
			url: portal, initiator: "http://portal.test/", want: "lax=1; dflt=1; bogus=1; none=1"},
		{name: "cross-site top-level POST within 2 minutes: Lax-by-default and None",
			url: portal, method: "POST", initiator: "https://idp.test/", at: 2 * time.Minute, want: "dflt=1; bogus=1; none=1"},
		{name: "cross-site top-level POST after 2 minutes: None only",
			url: portal, method: "POST", initiator: "https://idp.test/", at: 2*time.Minute + time.Second, want: "none=1"},
		{name: "cross-site subresource: None only",
			url: portal, initiator: "https://idp.test/", subresource: true, want: "none=1"},
		{name: "localhost on another port is the same site",
			url: "http://localhost:8080/", initiator: "http://localhost:7100/", want: "local=1"},
		{name: "127.0.0.1 is another site than localhost",
			url: "http://localhost:8080/", initiator: "http://127.0.0.1:7100/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, errs := fillCookies(t, sets)
			if len(errs) != 0 {
				t.Fatalf("refused: %v", errs)
			}
			r := cookieRequest{URL: mustURL(t, tt.url), Method: tt.method, Subresource: tt.subresource, Now: cookieT0().Add(tt.at)}
			if tt.initiator != "" {
				r.Initiator = mustURL(t, tt.initiator)
			}
			if got := s.cookieHeader(r); got != tt.want {
				t.Errorf("Cookie: %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCookieStoreConcurrentUse(t *testing.T) {
	s := newCookieStore()
	u := mustURL(t, "http://localhost:7100/")
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			s.setCookies(u, []string{fmt.Sprintf("c%d=%d", i, i)}, cookieT0())
			s.cookieHeader(cookieRequest{URL: u, Now: cookieT0()})
		})
	}
	wg.Wait()
	if got := strings.Count(get(t, s, u.String(), 0), "="); got != 16 {
		t.Errorf("%d cookies kept, want 16", got)
	}
}

// TestCookieStoreOverHTTP runs the quoted JSON cookie through real HTTP, the
// way the driver will: net/http carries the raw headers both ways untouched
// once its cookie code is out of the way.
func TestCookieStoreOverHTTP(t *testing.T) {
	const setCookie = `portail_state="{\"state\":\"abc\",\"siren\":\"123\"}"; Path=/; HttpOnly; SameSite=Lax`
	const want = `portail_state="{\"state\":\"abc\",\"siren\":\"123\"}"`
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/login" {
			w.Header().Add("Set-Cookie", setCookie)
			return
		}
		io.WriteString(w, r.Header.Get("Cookie"))
	}))
	t.Cleanup(ts.Close)
	s := newCookieStore()
	do := func(path string) string {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, ts.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if c := s.cookieHeader(cookieRequest{URL: req.URL, Method: req.Method, Now: cookieT0()}); c != "" {
			req.Header.Set("Cookie", c)
		}
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if errs := s.setCookies(req.URL, resp.Header.Values("Set-Cookie"), cookieT0()); len(errs) != 0 {
			t.Fatalf("refused: %v", errs)
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return string(body)
	}
	do("/login")
	if got := do("/retour"); got != want {
		t.Errorf("the portal received Cookie %q, want %q", got, want)
	}
}
