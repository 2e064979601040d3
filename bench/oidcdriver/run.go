package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

const usage = `oidcdriver — drive OpenID Connect authorization-code flows against a provider

Usage:
  go run ./bench/oidcdriver -issuer URL -client-id ID -client-secret SECRET \
      -redirect-uri URL -adapter NAME [-pid PID] [flags]

Each flow: authorize, the login page's form (per -adapter), the callback,
the code exchanged with client_secret_post, the id_token verified (JWKS,
nonce), userinfo (its signature verified when it is a JWT). Nothing listens
on the redirect URI: the driver stops at the redirect to it.

Flags:
`

type config struct {
	issuer, clientID, clientSecret, redirectURI string
	adapter                                     string
	login, password                             string
	concurrency, flows, rounds, pid             int
	localhost                                   string
	tsv                                         bool
	timeout                                     time.Duration
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("oidcdriver", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	var c config
	fs.StringVar(&c.issuer, "issuer", "", "the provider's issuer URL (discovery at ISSUER/.well-known/openid-configuration)")
	fs.StringVar(&c.clientID, "client-id", "", "client id")
	fs.StringVar(&c.clientSecret, "client-secret", "", "client secret (sent with client_secret_post)")
	fs.StringVar(&c.redirectURI, "redirect-uri", "", "redirect URI registered for the client")
	fs.StringVar(&c.adapter, "adapter", "", "the provider's login page: "+adapterNames())
	fs.StringVar(&c.login, "login", "", "test account (default: the adapter's)")
	fs.StringVar(&c.password, "password", "", "its password (default: the adapter's)")
	fs.IntVar(&c.concurrency, "concurrency", 8, "flows in flight at once")
	fs.IntVar(&c.flows, "flows", 2000, "flows per round")
	fs.IntVar(&c.rounds, "rounds", 1, "rounds")
	fs.IntVar(&c.pid, "pid", 0, "the provider's process id, to report its CPU time per flow and peak RSS (Linux /proc)")
	fs.StringVar(&c.localhost, "localhost", "127.0.0.1", `address dialled for the host "localhost" ("" = resolve it)`)
	fs.BoolVar(&c.tsv, "tsv", false, "print one tab-separated line per round instead of sentences")
	fs.DurationVar(&c.timeout, "flow-timeout", 30*time.Second, "time limit of one flow")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if err := c.check(); err != nil {
		fmt.Fprintln(stderr, "oidcdriver:", err)
		return 2
	}
	d, err := newDriver(ctx, c)
	if err != nil {
		fmt.Fprintln(stderr, "oidcdriver:", err)
		return 2
	}
	defer d.transport.CloseIdleConnections()
	// One flow first: the JWKS is fetched and connections are opened
	// outside the measured rounds.
	if err := d.flow(ctx); err != nil {
		fmt.Fprintln(stderr, "oidcdriver: the first flow failed:", err)
		return 1
	}
	if c.tsv {
		fmt.Fprintln(stdout, "round\tflows\terrors\tseconds\tflows_per_s\tserver_cpu_ms_per_flow\tserver_peak_rss_mib")
	}
	failed := false
	for r := 1; r <= c.rounds; r++ {
		res, err := d.round(ctx)
		if err != nil {
			fmt.Fprintln(stderr, "oidcdriver:", err)
			return 1
		}
		res.print(stdout, r, c)
		for _, e := range res.firstErrors {
			fmt.Fprintln(stderr, "  error:", e)
		}
		failed = failed || res.errors > 0
	}
	if failed {
		return 1
	}
	return 0
}

func (c config) check() error {
	var missing []string
	for _, f := range []struct{ name, v string }{{"-issuer", c.issuer}, {"-client-id", c.clientID}, {"-client-secret", c.clientSecret}, {"-redirect-uri", c.redirectURI}, {"-adapter", c.adapter}} {
		if f.v == "" {
			missing = append(missing, f.name)
		}
	}
	switch {
	case len(missing) > 0:
		return fmt.Errorf("missing %s (see -help)", strings.Join(missing, ", "))
	case adapters[c.adapter] == nil:
		return fmt.Errorf("-adapter %q: known adapters are %s", c.adapter, adapterNames())
	case c.concurrency < 1 || c.flows < 1 || c.rounds < 1:
		return fmt.Errorf("-concurrency, -flows and -rounds must be at least 1")
	case c.pid < 0:
		return fmt.Errorf("-pid must be a process id")
	}
	if _, err := url.Parse(c.redirectURI); err != nil {
		return fmt.Errorf("-redirect-uri: %w", err)
	}
	return nil
}

type driver struct {
	c         config
	adapter   adapter
	transport *http.Transport
	api       *http.Client // token and userinfo calls: no cookies
	provider  *oidc.Provider
	verifier  *oidc.IDTokenVerifier
	oauth     oauth2.Config
	redirect  *url.URL
}

func newDriver(ctx context.Context, c config) (*driver, error) {
	issuer, err := url.Parse(c.issuer)
	if err != nil {
		return nil, fmt.Errorf("-issuer: %w", err)
	}
	a := adapters[c.adapter](issuer)
	if c.login == "" {
		c.login = a.login
	}
	if c.password == "" {
		c.password = a.password
	}
	redirect, _ := url.Parse(c.redirectURI)
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	transport := &http.Transport{
		MaxIdleConns:        4 * c.concurrency,
		MaxIdleConnsPerHost: 4 * c.concurrency,
		IdleConnTimeout:     90 * time.Second,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if host, port, err := net.SplitHostPort(addr); err == nil && host == "localhost" && c.localhost != "" {
				addr = net.JoinHostPort(c.localhost, port)
			}
			return dialer.DialContext(ctx, network, addr)
		},
	}
	api := &http.Client{Transport: transport, Timeout: c.timeout}
	// Discovery, once.
	provider, err := oidc.NewProvider(oidc.ClientContext(ctx, api), c.issuer)
	if err != nil {
		return nil, fmt.Errorf("discovery: %w", err)
	}
	endpoint := provider.Endpoint()
	endpoint.AuthStyle = oauth2.AuthStyleInParams // client_secret_post
	return &driver{
		c: c, adapter: a, transport: transport, api: api, provider: provider, redirect: redirect,
		verifier: provider.Verifier(&oidc.Config{ClientID: c.clientID}),
		oauth: oauth2.Config{ClientID: c.clientID, ClientSecret: c.clientSecret, Endpoint: endpoint,
			RedirectURL: c.redirectURI, Scopes: a.scopes},
	}, nil
}

// maxHops bounds the redirects and pages of one authorization.
const maxHops = 10

// flow is one person signing in to the service: a fresh browser (its own
// cookies) and the service's back-channel calls.
func (d *driver) flow(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, d.c.timeout)
	defer cancel()
	jar, err := cookiejar.New(nil)
	if err != nil {
		return err
	}
	browser := &http.Client{Transport: d.transport, Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	state, nonce := randomString(), randomString()
	opts := []oauth2.AuthCodeOption{oidc.Nonce(nonce)}
	for k, v := range d.adapter.authParams {
		opts = append(opts, oauth2.SetAuthURLParam(k, v[0]))
	}
	next, err := http.NewRequestWithContext(ctx, http.MethodGet, d.oauth.AuthCodeURL(state, opts...), nil)
	if err != nil {
		return err
	}
	callback, err := d.authorize(browser, next)
	if err != nil {
		return err
	}
	q := callback.Query()
	if e := q.Get("error"); e != "" {
		return fmt.Errorf("callback: %s: %s", e, q.Get("error_description"))
	}
	if q.Get("state") != state {
		return fmt.Errorf("callback: state %q, want %q", q.Get("state"), state)
	}
	ctx = oidc.ClientContext(ctx, d.api)
	tok, err := d.oauth.Exchange(ctx, q.Get("code"))
	if err != nil {
		return fmt.Errorf("token: %w", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return fmt.Errorf("token: no id_token")
	}
	idt, err := d.verifier.Verify(ctx, raw)
	if err != nil {
		return fmt.Errorf("id_token: %w", err)
	}
	if idt.Nonce != nonce {
		return fmt.Errorf("id_token: nonce %q, want %q", idt.Nonce, nonce)
	}
	ui, err := d.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		return fmt.Errorf("userinfo: %w", err)
	}
	if ui.Subject != idt.Subject {
		return fmt.Errorf("userinfo: sub %q, id_token sub %q", ui.Subject, idt.Subject)
	}
	return nil
}

// authorize follows the browser's way from the authorization request to the
// redirect to the service, submitting the login page on the way, and
// returns the callback URL.
func (d *driver) authorize(browser *http.Client, next *http.Request) (*url.URL, error) {
	for range maxHops {
		resp, err := browser.Do(next)
		if err != nil {
			return nil, err
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", next.URL.Path, err)
		}
		switch {
		case resp.StatusCode >= 300 && resp.StatusCode < 400:
			loc, err := resp.Request.URL.Parse(resp.Header.Get("Location"))
			if err != nil {
				return nil, fmt.Errorf("%s: Location: %w", next.URL.Path, err)
			}
			if d.isCallback(loc) {
				return loc, nil
			}
			if next, err = http.NewRequestWithContext(next.Context(), http.MethodGet, loc.String(), nil); err != nil {
				return nil, err
			}
		case resp.StatusCode == http.StatusOK && isHTML(resp.Header.Get("Content-Type")):
			if d.adapter.submit == nil {
				return nil, fmt.Errorf("%s: a page, but adapter %q expects no login page", next.URL.Path, d.c.adapter)
			}
			forms, err := parseForms(body)
			if err != nil {
				return nil, err
			}
			f, data, err := d.adapter.submit(forms, d.c.login, d.c.password)
			if err != nil {
				return nil, err
			}
			action, err := resp.Request.URL.Parse(f.action)
			if err != nil {
				return nil, fmt.Errorf("login form action: %w", err)
			}
			if f.method == http.MethodGet {
				action.RawQuery = data.Encode()
				next, err = http.NewRequestWithContext(next.Context(), http.MethodGet, action.String(), nil)
			} else {
				next, err = http.NewRequestWithContext(next.Context(), http.MethodPost, action.String(), strings.NewReader(data.Encode()))
				if err == nil {
					next.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				}
			}
			if err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("%s %s: status %d: %.200s", next.Method, next.URL.Path, resp.StatusCode, body)
		}
	}
	return nil, fmt.Errorf("authorization: more than %d redirects and pages", maxHops)
}

// isCallback reports whether u is the redirect URI (with any query).
func (d *driver) isCallback(u *url.URL) bool {
	return u.Scheme == d.redirect.Scheme && u.Host == d.redirect.Host && u.Path == d.redirect.Path
}

func isHTML(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "text/html"
}

func randomString() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b) // 32 characters: FranceConnect wants a nonce of 22 or more
}

type result struct {
	flows, errors int
	elapsed       time.Duration
	serverCPU     time.Duration
	peakRSS       int64 // bytes; 0 when unknown
	measured      bool  // serverCPU and peakRSS come from -pid
	firstErrors   []string
}

// maxErrorsShown is how many distinct errors a round reports.
const maxErrorsShown = 3

// round runs c.flows flows, c.concurrency at a time.
func (d *driver) round(ctx context.Context) (result, error) {
	var res result
	var cpu0 time.Duration
	if d.c.pid > 0 {
		var err error
		if cpu0, err = cpuTime(d.c.pid); err != nil {
			return res, fmt.Errorf("-pid %d: %w", d.c.pid, err)
		}
	}
	var (
		next   atomic.Int64
		failed atomic.Int64
		mu     sync.Mutex
		seen   = map[string]bool{}
		wg     sync.WaitGroup
	)
	start := time.Now()
	for range d.c.concurrency {
		wg.Go(func() {
			for next.Add(1) <= int64(d.c.flows) && ctx.Err() == nil {
				if err := d.flow(ctx); err != nil {
					failed.Add(1)
					mu.Lock()
					if msg := err.Error(); !seen[msg] && len(seen) < maxErrorsShown {
						seen[msg] = true
						res.firstErrors = append(res.firstErrors, msg)
					}
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	if err := ctx.Err(); err != nil {
		return res, err
	}
	res.flows, res.errors = d.c.flows, int(failed.Load())
	if d.c.pid > 0 {
		cpu1, err := cpuTime(d.c.pid)
		if err != nil {
			return res, fmt.Errorf("-pid %d: %w", d.c.pid, err)
		}
		if res.peakRSS, err = peakRSS(d.c.pid); err != nil {
			return res, fmt.Errorf("-pid %d: %w", d.c.pid, err)
		}
		res.serverCPU, res.measured = cpu1-cpu0, true
	}
	return res, nil
}

func (r result) print(w io.Writer, round int, c config) {
	rate := float64(r.flows) / r.elapsed.Seconds()
	cpuPerFlow := float64(r.serverCPU.Microseconds()) / 1000 / float64(r.flows)
	rss := float64(r.peakRSS) / (1 << 20)
	if c.tsv {
		cpu, mem := "-", "-"
		if r.measured {
			cpu, mem = fmt.Sprintf("%.3f", cpuPerFlow), fmt.Sprintf("%.1f", rss)
		}
		fmt.Fprintf(w, "%d\t%d\t%d\t%.3f\t%.1f\t%s\t%s\n", round, r.flows, r.errors, r.elapsed.Seconds(), rate, cpu, mem)
		return
	}
	fmt.Fprintf(w, "round %d/%d: %d flows (%d errors) in %.2f s at concurrency %d: %.1f flows/s",
		round, c.rounds, r.flows, r.errors, r.elapsed.Seconds(), c.concurrency, rate)
	if r.measured {
		fmt.Fprintf(w, "; server %.3f ms CPU per flow, peak RSS %.1f MiB", cpuPerFlow, rss)
	}
	fmt.Fprintln(w)
}
