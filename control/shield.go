package control

import (
	"mime"
	"net/http"
	"net/netip"
	"net/url"
	"path"
	"strings"

	"github.com/proconnect-sandbox/proconnect-sandbox/problem"
)

// The sandbox's components listen on this machine, unauthenticated on
// loopback, and a browser on it runs pages of any site. Two guards keep
// those pages away (Kit.Middleware installs both on the whole component):
//
//   - Host: a page whose domain its owner points at 127.0.0.1 (DNS
//     rebinding) reaches the component as a page of its own origin, able to
//     read any answer; it cannot change the Host its browser sends, so only
//     the names the sandbox is known by get in.
//   - Control writes (a method other than GET, HEAD, OPTIONS or TRACE under
//     /__sandbox/): a page of another site can send a form or a "simple"
//     fetch (application/x-www-form-urlencoded, multipart/form-data,
//     text/plain) without a CORS preflight. Those types are refused, a body
//     must be application/json (which no page of another site can send
//     without the preflight the sandbox never grants), and a browser's own
//     word that the request comes from another site (Origin,
//     Sec-Fetch-Site) is heeded too.
//
// Ports are never compared: in containers the port a client uses is not
// the one the component listens on.

// shield refuses requests under a Host the sandbox is not known by, and
// control writes from another site or with a body that is not JSON.
func (k *Kit) shield(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if host, ok := hostname(r.Host); !ok || !k.hostAllowed(host) {
			k.refuseHost(w, r.Host)
			return
		}
		if isControlWrite(r) {
			if from := k.crossSite(r); from != "" {
				problem.Write(w, http.StatusForbidden, "cross-site-control", "Control call from another site",
					"The control API refuses calls that change the sandbox from a page of another site ("+from+
						"). Drive it from a test, a script or curl, or from a page of one of the sandbox's components.", nil)
				return
			}
			if !jsonOrBodyless(r) {
				problem.Write(w, http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported media type",
					"A control call that carries a body takes JSON: send it with 'Content-Type: application/json' (a call "+
						"without body needs no Content-Type). Form types (application/x-www-form-urlencoded, "+
						"multipart/form-data, text/plain) are refused even without body: any web page can send them.", nil)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// refuseHost answers 421 Misdirected Request (RFC 9110 §15.5.20): this
// component does not serve that authority.
func (k *Kit) refuseHost(w http.ResponseWriter, host string) {
	names := "IP addresses, localhost and *.localhost"
	if len(k.AllowedHosts) > 0 {
		names += ", and " + strings.Join(k.AllowedHosts, ", ")
	}
	env := "PROCONNECT_SANDBOX_" + strings.ToUpper(strings.ReplaceAll(k.Component, "-", "_"))
	problem.Write(w, http.StatusMisdirectedRequest, "unknown-host", "Unknown host",
		"The "+k.Component+" component does not answer to the host '"+host+"': a page of another site can point a "+
			"name of its own at this machine (DNS rebinding). It answers to the names of the sandbox's URLs: "+names+
			". To reach it under this name, make it its public URL (up or serve: --"+k.Component+"-public-url, or "+
			env+"_PUBLIC_URL) or its internal URL (--"+k.Component+"-internal-url, "+env+"_INTERNAL_URL).", nil)
}

// hostAllowed reports whether a request may name host (lower case, without
// port nor final dot): an IP literal, localhost or a name under it (RFC
// 6761 §6.3: it never leaves the machine), or the host name of one of the
// sandbox's URLs. An empty host (HTTP/1.0 without Host) is no browser's.
func (k *Kit) hostAllowed(host string) bool {
	if host == "" || host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return true
	}
	for _, h := range k.AllowedHosts {
		if strings.EqualFold(strings.TrimSuffix(h, "."), host) {
			return true
		}
	}
	return false
}

// hostname returns the host name of a Host header or of an origin's
// authority (host, host:port, [IPv6], [IPv6]:port), in lower case and
// without final dot; false when it is none of those.
func hostname(hostport string) (string, bool) {
	host, port := hostport, ""
	if strings.HasPrefix(hostport, "[") {
		end := strings.IndexByte(hostport, ']')
		if end < 0 {
			return "", false
		}
		host, port = hostport[1:end], hostport[end+1:]
		if a, err := netip.ParseAddr(host); err != nil || !a.Is6() {
			return "", false
		}
	} else {
		if i := strings.LastIndexByte(hostport, ':'); i >= 0 {
			host, port = hostport[:i], hostport[i:]
		}
		if strings.ContainsAny(host, ":/@?#[]\\ ") {
			return "", false
		}
	}
	if port != "" && port[0] != ':' {
		return "", false
	}
	for _, c := range strings.TrimPrefix(port, ":") {
		if c < '0' || c > '9' {
			return "", false
		}
	}
	return strings.TrimSuffix(strings.ToLower(host), "."), true
}

// isControlWrite reports whether r may change the sandbox: an unsafe method
// (RFC 9110 §9.2.1) under /__sandbox/.
func isControlWrite(r *http.Request) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return false
	}
	p := path.Clean("/" + r.URL.Path)
	return p == "/__sandbox" || strings.HasPrefix(p, "/__sandbox/")
}

// jsonOrBodyless reports whether a control write may go on: its body is
// application/json, or it has neither body nor Content-Type.
func jsonOrBodyless(r *http.Request) bool {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return r.ContentLength == 0
	}
	return isJSON(ct)
}

// isJSON reports whether a Content-Type is application/json (parameters,
// such as charset, aside; media types are case-insensitive).
func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/json"
}

// crossSite returns why r comes from a page of another site ("" when it
// does not, or says nothing): Sec-Fetch-Site cross-site, or an Origin that
// is neither r's own nor a public origin of the sandbox, or names a host it
// does not answer to.
func (k *Kit) crossSite(r *http.Request) string {
	if strings.EqualFold(strings.TrimSpace(r.Header.Get("Sec-Fetch-Site")), "cross-site") {
		return "Sec-Fetch-Site: cross-site"
	}
	o := r.Header.Get("Origin")
	if o == "" {
		return ""
	}
	why := "Origin: " + o
	got, host, ok := origin(o)
	if !ok || !k.hostAllowed(host) {
		return why
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if own, _, ok := origin(scheme + "://" + r.Host); ok && own == got {
		return ""
	}
	for _, p := range k.PublicOrigins {
		if public, _, ok := origin(p); ok && public == got {
			return ""
		}
	}
	return why
}

// origin returns the serialised origin of an http(s) URL (RFC 6454 §6.2:
// scheme://host[:port], in lower case, without the scheme's default port)
// and its host name; false for anything else, such as "null".
func origin(raw string) (string, string, bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.Opaque != "" {
		return "", "", false
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return "", "", false
	}
	host, ok := hostname(u.Host)
	if !ok {
		return "", "", false
	}
	hostport := strings.ToLower(u.Host)
	if scheme == "http" {
		hostport = strings.TrimSuffix(hostport, ":80")
	} else {
		hostport = strings.TrimSuffix(hostport, ":443")
	}
	return scheme + "://" + hostport, host, true
}
