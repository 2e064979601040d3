package harness

import (
	"cmp"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/publicsuffix"
)

// Limits Chromium applies to what it stores.
const (
	// maxCookieNameValue bounds name+value; a longer cookie is refused
	// (RFC 6265bis §5.6, parsed_cookie.cc IsValidCookieNameValuePair).
	maxCookieNameValue = 4096
	// maxCookieAttr bounds one attribute value; a longer attribute is ignored,
	// not the cookie (RFC 6265bis §5.6).
	maxCookieAttr = 1024
	// maxCookieAge clips every expiry to 400 days after creation
	// (canonical_cookie.cc ValidateAndAdjustExpiryDate).
	maxCookieAge = 400 * 24 * time.Hour
	// laxAllowUnsafeAge is how long a cookie without SameSite still rides a
	// cross-site top-level POST (cookie_constants.cc kLaxAllowUnsafeMaxAge).
	laxAllowUnsafeAge = 2 * time.Minute
)

// cookieStore is the cookie jar of the browser a conformance suite plays. It
// exists because net/http's cookie code (its Set-Cookie parser, cookiejar,
// Request.AddCookie) drops or rewrites values that browsers keep — a quoted
// JSON value, a comma, a space — and a portal must not fail the suite for a
// cookie a real browser accepts. So it never goes through net/http's cookie
// code: it keeps name and value byte for byte and applies RFC 6265bis the way
// Chromium does (net/cookies/parsed_cookie.cc, canonical_cookie.cc,
// cookie_base.cc, cookie_util.cc, cookie_monster.cc), citing it where it
// decides.
//
// Registrable domains (for the Domain attribute and for same-site) come from
// golang.org/x/net/publicsuffix, ICANN and private sections alike, as
// Chromium's INCLUDE_PRIVATE_REGISTRIES: Domain=gouv.fr is refused, and
// a.github.io and b.github.io are different sites. A host without one — an IP
// literal, localhost, a single-label name — is its own site and gets host-only
// cookies only.
//
// It is not a whole browser store: there is no JavaScript (HttpOnly is kept
// and changes nothing), no eviction or per-domain limit, no persistence, no
// correction of Expires by the response's Date, no partitioning (the driver
// only navigates top-level, where a Partitioned cookie is sent like any other),
// no port or scheme binding (Chromium ships both off: net/base/features.cc
// kEnablePortBoundCookies, kEnableSchemeBoundCookies), so localhost:7100 and
// localhost:8080 share their cookies as in every browser.
//
// One store serves one scenario; its methods are safe for concurrent use.
type cookieStore struct {
	mu      sync.Mutex
	cookies []*storedCookie
	seq     uint64
}

// sameSite is a cookie's SameSite attribute. sameSiteUnset (absent or not
// understood) is Chromium's Lax-by-default, with the Lax-allowing-unsafe
// grace for top-level POSTs (cookie_base.cc GetEffectiveSameSite).
type sameSite int

const (
	sameSiteUnset sameSite = iota
	sameSiteNone
	sameSiteLax
	sameSiteStrict
)

type storedCookie struct {
	name, value string
	domain      string // lower-case host, no leading dot
	hostOnly    bool
	path        string
	expires     time.Time // zero for a session cookie
	secure      bool
	httpOnly    bool
	sameSite    sameSite
	created     time.Time
	seq         uint64 // creation order, for the Cookie header
}

func newCookieStore() *cookieStore { return &cookieStore{} }

// setCookies takes the raw Set-Cookie header values of a response to a request
// for u, received at now. It returns one error per refused cookie, saying why,
// so a report can tell a portal team which cookie a browser would drop; a
// refusal never stops the other cookies. It needs no initiator: Chromium
// stores the cookies of a top-level navigation's response whatever their
// SameSite (cookie_util.cc ComputeSameSiteContextForResponse), and the driver
// only navigates.
func (s *cookieStore) setCookies(u *url.URL, headers []string, now time.Time) []error {
	var errs []error
	for _, h := range headers {
		if err := s.setCookie(u, h, now); err != nil {
			// No query in the message: it may hold an authorization code.
			errs = append(errs, fmt.Errorf("Set-Cookie de %s://%s%s refusé : %w", u.Scheme, u.Host, u.Path, err))
		}
	}
	return errs
}

func (s *cookieStore) setCookie(u *url.URL, line string, now time.Time) error {
	if !cookieableScheme(u.Scheme) {
		return fmt.Errorf("le schéma %q ne garde aucun cookie", u.Scheme)
	}
	c, attrs, err := parseCookieLine(line)
	if err != nil {
		return err
	}
	host, trusted := cookieHost(u), secureContext(u)
	_, c.secure = attrs["secure"]
	_, c.httpOnly = attrs["httponly"]
	_, partitioned := attrs["partitioned"]
	c.sameSite = parseSameSite(attrs["samesite"])
	switch {
	// cookie_base.cc IsSetPermittedInContext: Secure needs a secure or
	// localhost URL; SameSite=None needs Secure.
	case c.secure && !trusted:
		return fmt.Errorf("cookie %q : Secure, venu ni de https ni de localhost", c.name)
	case c.sameSite == sameSiteNone && !c.secure:
		return fmt.Errorf("cookie %q : SameSite=None sans Secure", c.name)
	case partitioned && !c.secure: // cookie_util.cc IsCookiePartitionedValid
		return fmt.Errorf("cookie %q : Partitioned sans Secure", c.name)
	case !prefixOK(c, attrs, host):
		return fmt.Errorf("cookie %q : enfreint les règles de son préfixe __Secure-/__Host-", c.name)
	}
	var ok bool
	if c.domain, c.hostOnly, ok = cookieDomain(host, attrs["domain"]); !ok {
		return fmt.Errorf("cookie %q : %s ne peut pas poser Domain=%s", c.name, host, attrs["domain"])
	}
	c.path = cookiePath(u, attrs["path"])
	c.expires = cookieExpiry(attrs, now)
	c.created = now
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.put(c, trusted, now)
}

// parseCookieLine splits a Set-Cookie value as RFC 6265bis §5.6 and Chromium's
// ParsedCookie do: the name is what precedes the first '=' of the first
// ';'-separated part (no '=': a nameless cookie whose value is the whole
// part); name and value lose surrounding spaces and tabs and keep every other
// byte — quotes, backslashes, commas, inner spaces, JSON. A control character
// other than HTAB anywhere refuses the cookie, and so does an HTAB inside the
// name or the value: RFC 6265bis §5.6 would keep it, Chromium does not (its
// HttpUtil::IsControlChar counts 0x09; Chromium 156 dropped "tab=a<HTAB>b"),
// and a cookie the browser drops must be dropped here too.
// Attribute names are case-insensitive and the last of each wins.
func parseCookieLine(line string) (*storedCookie, map[string]string, error) {
	for i := 0; i < len(line); i++ {
		if b := line[i]; (b < 0x20 && b != '\t') || b == 0x7f {
			return nil, nil, fmt.Errorf("caractère de contrôle %#02x", b)
		}
	}
	parts := strings.Split(line, ";")
	c := &storedCookie{}
	if name, value, found := strings.Cut(parts[0], "="); found {
		c.name, c.value = trimCookieSpace(name), trimCookieSpace(value)
	} else {
		c.value = trimCookieSpace(parts[0])
	}
	if strings.ContainsRune(c.name+c.value, '\t') {
		return nil, nil, errors.New("une tabulation dans le nom ou la valeur (Chromium écarte un tel cookie)")
	}
	switch {
	case c.name == "" && c.value == "":
		return nil, nil, errors.New("un cookie sans nom ni valeur")
	case len(c.name)+len(c.value) > maxCookieNameValue:
		return nil, nil, fmt.Errorf("cookie %q : nom et valeur dépassent %d octets", c.name, maxCookieNameValue)
	}
	attrs := map[string]string{}
	for _, a := range parts[1:] {
		k, v, _ := strings.Cut(a, "=")
		if v = trimCookieSpace(v); len(v) <= maxCookieAttr {
			attrs[strings.ToLower(trimCookieSpace(k))] = v
		}
	}
	return c, attrs, nil
}

func trimCookieSpace(s string) string { return strings.Trim(s, " \t") }

func parseSameSite(v string) sameSite {
	switch strings.ToLower(v) {
	case "strict":
		return sameSiteStrict
	case "lax":
		return sameSiteLax
	case "none":
		return sameSiteNone
	}
	return sameSiteUnset
}

// prefixOK applies the name prefixes of RFC 6265bis §4.1.3 as Chromium does
// (cookie_util.cc GetCookiePrefix, IsCookiePrefixValid): matched without
// regard to case; __Secure- needs Secure (from a URL allowed to set it, which
// setCookie checked), __Host- also needs Path=/ written out and no Domain, or
// for an IP host a Domain equal to it. A nameless cookie may not carry a
// prefix at the start of its value (canonical_cookie.cc HasHiddenPrefixName).
func prefixOK(c *storedCookie, attrs map[string]string, host string) bool {
	if c.name == "" {
		v := strings.TrimLeft(c.value, " \t")
		return !hasPrefixFold(v, "__Secure-") && !hasPrefixFold(v, "__Host-")
	}
	switch {
	case hasPrefixFold(c.name, "__Secure-"):
		return c.secure
	case hasPrefixFold(c.name, "__Host-"):
		d := attrs["domain"]
		return c.secure && attrs["path"] == "/" && (d == "" || (net.ParseIP(host) != nil && d == host))
	}
	return true
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// cookieableScheme lists CookieMonster's default cookieable schemes.
func cookieableScheme(scheme string) bool {
	return scheme == "http" || scheme == "https" || scheme == "ws" || scheme == "wss"
}

func cookieHost(u *url.URL) string { return strings.ToLower(u.Hostname()) }

// secureContext reports whether u may set and receive Secure cookies. Chromium
// grants it to https and wss, and to plain http on localhost: its
// ProvisionalAccessScheme (cookie_util.cc) classes a non-cryptographic URL
// whose host is localhost as "trustworthy", and both IsSetPermittedInContext
// and IncludeForRequestURL (cookie_base.cc) let a trustworthy URL set and read
// Secure cookies (with a warning only). Localhost is HostStringIsLocalhost
// (net/base/url_util.cc): a loopback IP literal (127.0.0.0/8, ::1), or
// localhost, localhost. or any name under .localhost.
func secureContext(u *url.URL) bool {
	if u.Scheme == "https" || u.Scheme == "wss" {
		return true
	}
	host := cookieHost(u)
	if ip := net.ParseIP(host); ip != nil {
		return ip.IsLoopback()
	}
	host = strings.TrimSuffix(host, ".")
	return host == "localhost" || strings.HasSuffix(host, ".localhost")
}

// registrable returns the registrable domain of host (eTLD+1), or "" for an
// IP literal or a host that is itself a public suffix (localhost included).
func registrable(host string) string {
	if net.ParseIP(host) != nil {
		return ""
	}
	d, err := publicsuffix.EffectiveTLDPlusOne(host)
	if err != nil {
		return ""
	}
	return d
}

// cookieSite is the schemeful site of u (RFC 6265bis §5.2, Chromium's
// SchemefulSite): scheme and registrable domain, or scheme and host when the
// host has none. Ports never count.
func cookieSite(u *url.URL) string {
	host := cookieHost(u)
	if reg := registrable(host); reg != "" {
		host = reg
	}
	return u.Scheme + "://" + host
}

// cookieDomain returns the domain a cookie set by host with this Domain
// attribute gets, whether it is host-only, and false when the cookie must be
// refused (cookie_util.cc GetCookieDomainWithString): no Domain means
// host-only; an IP host accepts only its own address (then host-only); a
// leading dot is ignored; a host without registrable domain accepts only
// itself (host-only); otherwise Domain must be the host or a parent of it
// within the same registrable domain — never a public suffix.
func cookieDomain(host, attr string) (string, bool, bool) {
	if attr == "" {
		return host, true, true
	}
	d := strings.ToLower(attr)
	if net.ParseIP(host) != nil {
		return host, true, d == host || d == "."+host
	}
	d = strings.TrimPrefix(d, ".")
	if d == "" || strings.Contains(d, "%") {
		return "", false, false
	}
	reg := registrable(host)
	if reg == "" {
		return host, true, d == host
	}
	if registrable(d) != reg || !domainWithin(host, d) {
		return "", false, false
	}
	return d, false, true
}

// domainWithin reports whether host is domain or a subdomain of it.
func domainWithin(host, domain string) bool {
	return host == domain || strings.HasSuffix(host, "."+domain)
}

// cookiePath is the Path attribute when it starts with '/', else the
// default-path of RFC 6265 §5.1.4: the request path up to, not including, its
// last '/', or "/" (cookie_util.cc CanonPathWithString).
func cookiePath(u *url.URL, attr string) string {
	if strings.HasPrefix(attr, "/") {
		return attr
	}
	p := u.EscapedPath()
	if i := strings.LastIndexByte(p, '/'); i > 0 {
		return p[:i]
	}
	return "/"
}

// pathMatch is the path-match of RFC 6265 §5.1.4 (cookie_util.cc IsOnPath):
// /a matches /a, /a/ and /a/b, not /ab.
func pathMatch(cookiePath, reqPath string) bool {
	if !strings.HasPrefix(reqPath, cookiePath) {
		return false
	}
	return len(reqPath) == len(cookiePath) || strings.HasSuffix(cookiePath, "/") || reqPath[len(cookiePath)] == '/'
}

// cookieExpiry returns when the cookie expires, zero for a session cookie.
// Max-Age wins over Expires (RFC 6265bis §5.6.2, canonical_cookie.cc
// ParseExpiration); Max-Age <= 0 means already expired; a Max-Age that is not
// an integer, or an Expires that is not a cookie-date, is ignored.
func cookieExpiry(attrs map[string]string, now time.Time) time.Time {
	limit := now.Add(maxCookieAge)
	if v := attrs["max-age"]; v != "" && (v[0] == '-' || isDigit(v[0])) {
		n, err := strconv.ParseInt(v, 10, 64) // out of range: n saturates
		switch {
		case err != nil && !errors.Is(err, strconv.ErrRange):
			// not an integer: ignored, Expires decides
		case n <= 0:
			return time.Unix(0, 0) // long past, yet not the zero "session" time
		case n >= int64(maxCookieAge/time.Second):
			return limit
		default:
			return now.Add(time.Duration(n) * time.Second)
		}
	}
	if t, ok := parseCookieDate(attrs["expires"]); ok {
		if t.After(limit) {
			return limit
		}
		return t
	}
	return time.Time{}
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

// parseCookieDate is the cookie-date algorithm of RFC 6265 §5.1.1: split on
// delimiters, give each token in turn to the first of time, day of month,
// month and year still missing that reads it, ignore the rest. It accepts
// what servers really send ("Wed, 09 Jun 2027 10:18:14 GMT", "Wednesday,
// 09-Jun-27 10:18:14 GMT", "Wed Jun  9 10:18:14 2027") and refuses impossible
// dates such as 30 February.
func parseCookieDate(s string) (time.Time, bool) {
	var day, year int
	var hms [3]int
	var month time.Month
	var haveTime, haveDay, haveMonth, haveYear bool
	for _, tok := range strings.FieldsFunc(s, isDateDelimiter) {
		if !haveTime {
			if haveTime = parseHMS(tok, &hms); haveTime {
				continue
			}
		}
		if !haveDay {
			if day, haveDay = leadingDigits(tok, 1, 2); haveDay {
				continue
			}
		}
		if !haveMonth && len(tok) >= 3 {
			const months = "janfebmaraprmayjunjulaugsepoctnovdec"
			if i := strings.Index(months, strings.ToLower(tok[:3])); i >= 0 && i%3 == 0 {
				month, haveMonth = time.Month(i/3+1), true
				continue
			}
		}
		if !haveYear {
			year, haveYear = leadingDigits(tok, 2, 4)
		}
	}
	if !haveTime || !haveDay || !haveMonth || !haveYear {
		return time.Time{}, false
	}
	switch {
	case year >= 70 && year <= 99:
		year += 1900
	case year <= 69:
		year += 2000
	}
	if day < 1 || day > 31 || year < 1601 || hms[0] > 23 || hms[1] > 59 || hms[2] > 59 {
		return time.Time{}, false
	}
	t := time.Date(year, month, day, hms[0], hms[1], hms[2], 0, time.UTC)
	if t.Day() != day { // time.Date made 31 April into 1 May
		return time.Time{}, false
	}
	return t, true
}

// isDateDelimiter is RFC 6265 §5.1.1's delimiter set.
func isDateDelimiter(r rune) bool {
	return r == '\t' || (r >= 0x20 && r <= 0x2f) || (r >= 0x3b && r <= 0x40) ||
		(r >= 0x5b && r <= 0x60) || (r >= 0x7b && r <= 0x7e)
}

// leadingDigits reads the min to max digits tok starts with (whatever
// follows them, as the cookie-date grammar allows).
func leadingDigits(tok string, min, max int) (int, bool) {
	k := 0
	for k < len(tok) && isDigit(tok[k]) {
		k++
	}
	if k < min || k > max {
		return 0, false
	}
	n, _ := strconv.Atoi(tok[:k])
	return n, true
}

// parseHMS reads a time token: three 1–2 digit fields separated by ':', the
// last one possibly followed by anything that starts with a non-digit.
func parseHMS(tok string, hms *[3]int) bool {
	fields := strings.SplitN(tok, ":", 3)
	if len(fields) != 3 {
		return false
	}
	var out [3]int
	for i, f := range fields {
		n, ok := leadingDigits(f, 1, 2)
		if !ok || (i < 2 && strings.TrimLeft(f, "0123456789") != "") {
			return false
		}
		out[i] = n
	}
	*hms = out
	return true
}

func (c *storedCookie) expired(now time.Time) bool {
	return !c.expires.IsZero() && !now.Before(c.expires)
}

func (c *storedCookie) sameKey(o *storedCookie) bool {
	return c.name == o.name && c.domain == o.domain && c.hostOnly == o.hostOnly && c.path == o.path
}

// put stores c in place of the cookie with the same name, domain and path —
// keeping the old creation time when the value is unchanged, as CookieMonster
// does — or only deletes that cookie when c has already expired. From a URL
// that may not set Secure cookies, c may not replace or shadow a Secure cookie
// of the same name on an overlapping domain and path (RFC 6265bis "leave
// secure cookies alone"; canonical_cookie.cc IsEquivalentForSecureCookieMatching).
// The caller holds s.mu.
func (s *cookieStore) put(c *storedCookie, trusted bool, now time.Time) error {
	if !trusted {
		for _, old := range s.cookies {
			if old.secure && old.name == c.name && pathMatch(old.path, c.path) &&
				(domainWithin(old.domain, c.domain) || domainWithin(c.domain, old.domain)) {
				return fmt.Errorf("cookie %q : écraserait un cookie Secure depuis une URL non sécurisée", c.name)
			}
		}
	}
	s.seq++
	c.seq = s.seq
	if i := slices.IndexFunc(s.cookies, c.sameKey); i >= 0 {
		if old := s.cookies[i]; old.value == c.value {
			c.created, c.seq = old.created, old.seq
		}
		s.cookies = slices.Delete(s.cookies, i, i+1)
	}
	if !c.expired(now) {
		s.cookies = append(s.cookies, c)
	}
	return nil
}

// cookieRequest is what the browser knows of a request when it picks the
// cookies to send with it.
type cookieRequest struct {
	URL    *url.URL
	Method string // "" is GET
	// Initiator is the URL of the page the request starts from: the page
	// whose link is followed or whose form is submitted, and still that page
	// across the redirections that follow. Nil means the person typed the
	// address, which Chromium counts as same-site.
	Initiator *url.URL
	// Subresource is true for a request that is not a top-level navigation
	// (a fetch, an image, a frame); the driver only navigates.
	Subresource bool
	// CrossSite, when set, says the initiator is another site whatever the
	// hosts say: the sandbox serves every component on localhost, where in
	// production ProConnect, FranceConnect and the portal are three sites.
	CrossSite bool
	Now       time.Time
}

// sameSiteContext orders what a request may carry, after Chromium's
// CookieOptions::SameSiteCookieContext.
type sameSiteContext int

const (
	crossSite          sameSiteContext = iota // SameSite=None only
	crossSiteTopUnsafe                        // top-level, unsafe method: also young Lax-by-default cookies
	crossSiteTop                              // top-level, safe method: also Lax
	sameSiteRequest                           // same-site: Strict too
)

// context follows cookie_util.cc ComputeSameSiteContextForRequest: same-site
// (schemeful, ports ignored) with the initiator, or no initiator, is strict;
// else a top-level navigation is lax with a safe method (GET, HEAD, OPTIONS,
// TRACE) and lax-unsafe without; anything else is cross-site.
func (r cookieRequest) context() sameSiteContext {
	switch {
	case r.Initiator == nil || (!r.CrossSite && cookieSite(r.Initiator) == cookieSite(r.URL)):
		return sameSiteRequest
	case r.Subresource:
		return crossSite
	}
	switch strings.ToUpper(cmp.Or(r.Method, "GET")) {
	case "GET", "HEAD", "OPTIONS", "TRACE":
		return crossSiteTop
	}
	return crossSiteTopUnsafe
}

// sendable applies SameSite (cookie_base.cc IncludeForRequestURL).
func (c *storedCookie) sendable(ctx sameSiteContext, now time.Time) bool {
	switch c.sameSite {
	case sameSiteStrict:
		return ctx == sameSiteRequest
	case sameSiteLax:
		return ctx >= crossSiteTop
	case sameSiteUnset:
		return ctx >= crossSiteTop || (ctx == crossSiteTopUnsafe && now.Sub(c.created) <= laxAllowUnsafeAge)
	}
	return true
}

// cookieHeader returns the Cookie header value for r, "" when no cookie goes:
// the cookies that domain-match and path-match its URL, Secure ones only to a
// URL allowed them, SameSite applied; longer paths first, then older cookies
// (cookie_monster.cc CookieSorter; seq is the order of creation, which also
// orders cookies received at the same instant); "name=value" joined by "; ", a nameless
// cookie as its bare value (canonical_cookie.cc BuildCookieLine). The caller
// puts it on the request with Header.Set, never Request.AddCookie, which
// rewrites values, and leaves http.Client.Jar nil.
func (s *cookieStore) cookieHeader(r cookieRequest) string {
	if !cookieableScheme(r.URL.Scheme) {
		return ""
	}
	host, path := cookieHost(r.URL), cmp.Or(r.URL.EscapedPath(), "/")
	trusted, ctx := secureContext(r.URL), r.context()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cookies = slices.DeleteFunc(s.cookies, func(c *storedCookie) bool { return c.expired(r.Now) })
	var sent []*storedCookie
	for _, c := range s.cookies {
		domainOK := host == c.domain || (!c.hostOnly && domainWithin(host, c.domain))
		if domainOK && pathMatch(c.path, path) && (trusted || !c.secure) && c.sendable(ctx, r.Now) {
			sent = append(sent, c)
		}
	}
	slices.SortFunc(sent, func(a, b *storedCookie) int {
		return cmp.Or(cmp.Compare(len(b.path), len(a.path)), cmp.Compare(a.seq, b.seq))
	})
	var b strings.Builder
	for i, c := range sent {
		if i > 0 {
			b.WriteString("; ")
		}
		if c.name != "" {
			b.WriteString(c.name + "=")
		}
		b.WriteString(c.value)
	}
	return b.String()
}
