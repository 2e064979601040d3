package franceconnect_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/net/html"

	"github.com/proconnect-sandbox/proconnect-sandbox/control"
	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
	"github.com/proconnect-sandbox/proconnect-sandbox/mocks/franceconnect"
)

// serveEnv, when set, turns the test binary into a bare mock server: it
// serves the mock on 127.0.0.1, writes its base URL on stdout and stops
// when stdin closes. BenchmarkCodeFlow runs the server that way, in its own
// process, so that the server's CPU time and memory are read apart from
// the client's.
const serveEnv = "FC_BENCH_SERVE"

func TestMain(m *testing.M) {
	if os.Getenv(serveEnv) != "" {
		if err := serveForBench(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func serveForBench() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	set, err := fixtures.Default()
	if err != nil {
		return err
	}
	// FC_BENCH_DETAILS=1 records every exchange's headers and body start
	// in the journal, as the sandbox does for its flow page (Kit.Details).
	kit := control.NewKit("franceconnect", nil, "")
	kit.Details = os.Getenv("FC_BENCH_DETAILS") != ""
	m, err := franceconnect.New(franceconnect.Config{PublicURL: base, Fixtures: set, Kit: kit})
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: m, ReadHeaderTimeout: 10 * time.Second}
	// FC_BENCH_CPUPROFILE=file writes the server's CPU profile there.
	if path := os.Getenv("FC_BENCH_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer func() { pprof.StopCPUProfile(); _ = f.Close() }()
	}
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); _ = srv.Close() }()
	fmt.Println(base)
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// serverProcess is the mock running in a child process.
type serverProcess struct {
	cmd  *exec.Cmd
	base string
}

// startServer starts the mock in a child process with the GC setting gogc
// ("" for Go's default).
func startServer(tb testing.TB, gogc string) *serverProcess {
	tb.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), serveEnv+"=1")
	if gogc != "" {
		cmd.Env = append(cmd.Env, "GOGC="+gogc)
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = stdin.Close(); _ = cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		tb.Fatalf("mock server: %v", err)
	}
	return &serverProcess{cmd: cmd, base: strings.TrimSpace(line)}
}

// cpu returns the server's CPU time so far (user + system), from
// /proc/PID/stat, in clock ticks of 10 ms.
func (s *serverProcess) cpu(tb testing.TB) time.Duration {
	tb.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		tb.Skipf("no /proc: %v", err)
	}
	// Fields after the command name (which ends at the last ')'): utime
	// and stime are fields 14 and 15 of the whole line.
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// rss returns the server's resident memory in bytes, from /proc/PID/status.
func (s *serverProcess) rss(tb testing.TB) int64 {
	tb.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		tb.Skipf("no /proc: %v", err)
	}
	for line := range strings.Lines(string(raw)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// relyingParty walks the user's path through the mock as a browser and a
// service do: authorize, the login page (parsed like a browser parses it),
// the persona's form posted, the redirect back with the code; then the
// service's token call (client_secret_post), the id_token verified against
// the JWKS, userinfo called and its JWT verified.
type relyingParty struct {
	issuer   string
	authURL  string
	client   *http.Client
	keys     *oidc.RemoteKeySet
	verifier *oidc.IDTokenVerifier
}

const (
	benchClient   = "sandbox-fs"
	benchSecret   = "sandbox-fs-secret"
	benchCallback = "http://localhost:8080/callback"
	benchNonce    = "bench-nonce-0123456789abcdef"
	benchPersona  = "angela"
)

func newRelyingParty(tb testing.TB, base string) *relyingParty {
	tb.Helper()
	ctx := context.Background()
	transport := &http.Transport{MaxIdleConnsPerHost: 64}
	tb.Cleanup(transport.CloseIdleConnections)
	client := &http.Client{Transport: transport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	issuer := base + franceconnect.LowPrefix
	provider, err := oidc.NewProvider(oidc.ClientContext(ctx, client), issuer) // discovery, once
	if err != nil {
		tb.Fatal(err)
	}
	var meta struct {
		JWKS string `json:"jwks_uri"`
	}
	if err := provider.Claims(&meta); err != nil {
		tb.Fatal(err)
	}
	keys := oidc.NewRemoteKeySet(oidc.ClientContext(ctx, client), meta.JWKS)
	return &relyingParty{
		issuer: issuer, client: client, keys: keys,
		verifier: oidc.NewVerifier(issuer, keys, &oidc.Config{ClientID: benchClient, SupportedSigningAlgs: []string{"ES256"}}),
		authURL: provider.Endpoint().AuthURL + "?" + url.Values{
			"client_id": {benchClient}, "redirect_uri": {benchCallback}, "response_type": {"code"},
			"scope": {"openid identite_pivot email"}, "state": {"bench-state"}, "nonce": {benchNonce},
			"acr_values": {"eidas1"},
		}.Encode(),
	}
}

// flow runs one complete flow.
func (rp *relyingParty) flow(ctx context.Context) error {
	resp, err := rp.client.Get(rp.authURL)
	if err != nil {
		return err
	}
	drain(resp)
	page, err := resp.Request.URL.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode/100 != 3 {
		return fmt.Errorf("authorize: %d %v", resp.StatusCode, err)
	}
	resp, err = rp.client.Get(page.String())
	if err != nil {
		return err
	}
	action, form, err := personaForm(resp, benchPersona)
	drain(resp)
	if err != nil {
		return err
	}
	resp, err = rp.client.PostForm(action, form)
	if err != nil {
		return err
	}
	drain(resp)
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || back.Query().Get("code") == "" || back.Query().Get("state") != "bench-state" {
		return fmt.Errorf("no code: %d %v %s", resp.StatusCode, err, resp.Header.Get("Location"))
	}
	resp, err = rp.client.PostForm(rp.issuer+"/token", url.Values{"grant_type": {"authorization_code"},
		"code": {back.Query().Get("code")}, "redirect_uri": {benchCallback},
		"client_id": {benchClient}, "client_secret": {benchSecret}})
	if err != nil {
		return err
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		IDToken     string `json:"id_token"`
	}
	err = json.NewDecoder(resp.Body).Decode(&tok)
	drain(resp)
	if err != nil || resp.StatusCode != http.StatusOK {
		return fmt.Errorf("token: %d %v", resp.StatusCode, err)
	}
	idt, err := rp.verifier.Verify(ctx, tok.IDToken)
	if err != nil {
		return fmt.Errorf("id_token: %v", err)
	}
	if idt.Nonce != benchNonce {
		return fmt.Errorf("id_token: nonce %q", idt.Nonce)
	}
	req, _ := http.NewRequest(http.MethodGet, rp.issuer+"/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err = rp.client.Do(req)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		return fmt.Errorf("userinfo: %d %v", resp.StatusCode, err)
	}
	payload, err := rp.keys.VerifySignature(ctx, string(body))
	if err != nil {
		return fmt.Errorf("userinfo: %v", err)
	}
	var claims struct {
		Sub string `json:"sub"`
		Aud string `json:"aud"`
		Iss string `json:"iss"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		return fmt.Errorf("userinfo: %v", err)
	}
	if claims.Sub != idt.Subject || claims.Aud != benchClient || claims.Iss != rp.issuer {
		return fmt.Errorf("userinfo: claims %+v for sub %s", claims, idt.Subject)
	}
	return nil
}

// personaForm reads the login page as a browser does and returns what
// clicking the persona's button submits: the form's action, resolved
// against the page, and its fields (inputs and the clicked button).
func personaForm(resp *http.Response, login string) (string, url.Values, error) {
	if resp.StatusCode != http.StatusOK {
		return "", nil, fmt.Errorf("login page: %d", resp.StatusCode)
	}
	doc, err := html.Parse(resp.Body)
	if err != nil {
		return "", nil, err
	}
	attr := func(n *html.Node, key string) (string, bool) {
		for _, a := range n.Attr {
			if a.Key == key {
				return a.Val, true
			}
		}
		return "", false
	}
	var found *html.Node
	var fields url.Values
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode || n.Data != "form" || found != nil {
			continue
		}
		vals, clicked := url.Values{}, false
		for c := range n.Descendants() {
			if c.Type != html.ElementNode {
				continue
			}
			name, named := attr(c, "name")
			value, _ := attr(c, "value")
			switch {
			case c.Data == "input" && named:
				vals.Add(name, value)
			case c.Data == "button" && value == login:
				clicked = true
				if named {
					vals.Add(name, value)
				}
			}
		}
		if clicked {
			found, fields = n, vals
		}
	}
	if found == nil {
		return "", nil, fmt.Errorf("login page: no form for %s", login)
	}
	if m, _ := attr(found, "method"); !strings.EqualFold(m, "post") {
		return "", nil, fmt.Errorf("login page: form method %q", m)
	}
	action, _ := attr(found, "action")
	u, err := resp.Request.URL.Parse(action)
	if err != nil {
		return "", nil, err
	}
	return u.String(), fields, nil
}

// BenchmarkCodeFlow measures complete authorization-code flows through
// the login page against the mock, which runs in a child process: ns/op
// and flows/s are the client's view (client and server share the
// machine); server-CPU-µs/flow is the server process's CPU time (user +
// system, 10 ms ticks) over the timed loop divided by the flows, and
// server-RSS-MiB its resident memory at the end. GOGC of the server comes
// from FC_BENCH_GOGC (Go's default when unset); FC_BENCH_DETAILS=1 makes
// the journal record each exchange's details, as in the sandbox. Run with
// -cpu 2.
func BenchmarkCodeFlow(b *testing.B) {
	for _, conc := range []int{1, 8} {
		b.Run(fmt.Sprintf("concurrency=%d", conc), func(b *testing.B) {
			srv := startServer(b, os.Getenv("FC_BENCH_GOGC"))
			rp := newRelyingParty(b, srv.base)
			ctx := context.Background()
			if err := rp.flow(ctx); err != nil { // warm the JWKS cache and the connections
				b.Fatal(err)
			}
			b.ReportAllocs()
			cpu0 := srv.cpu(b)
			start := time.Now()
			if conc == 1 {
				for b.Loop() {
					if err := rp.flow(ctx); err != nil {
						b.Fatal(err)
					}
				}
			} else {
				b.SetParallelism((conc + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if err := rp.flow(ctx); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			elapsed := time.Since(start)
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "flows/s")
			b.ReportMetric(float64((srv.cpu(b)-cpu0).Microseconds())/float64(b.N), "server-CPU-µs/flow")
			b.ReportMetric(float64(srv.rss(b))/(1<<20), "server-RSS-MiB")
		})
	}
}

// BenchmarkFlowMemory measures what complete flows leave behind in the
// mock (in this process; the client keeps nothing per flow): after b.N
// flows (run with -benchtime 50000x), a forced GC, the live heap above the
// start, per flow (live-B/flow); then the sandbox clock is moved past
// every lifetime and the next request's sweep has run, and the live heap
// is measured again (expired-live-KiB: what is left once every lifetime has
// passed, mostly the control journal's bounded ring; compare it at two N).
func BenchmarkFlowMemory(b *testing.B) {
	m, base := newMock(b)
	rp := newRelyingParty(b, base)
	ctx := context.Background()
	if err := rp.flow(ctx); err != nil {
		b.Fatal(err)
	}
	live := func() int64 {
		// Connections (and their buffers, on both sides) are not the
		// flows' doing: close them before measuring.
		rp.client.CloseIdleConnections()
		time.Sleep(50 * time.Millisecond)
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return int64(ms.HeapAlloc)
	}
	before := live()
	b.ResetTimer()
	b.SetParallelism(4) // 8 flows at a time on 2 CPUs
	var failed sync.Once
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := rp.flow(ctx); err != nil {
				failed.Do(func() { b.Error(err) })
				return
			}
		}
	})
	b.StopTimer()
	after := live()
	b.ReportMetric(float64(after-before)/float64(b.N), "live-B/flow")
	writeHeapProfile(b, "live")
	// Past every lifetime (SSO sessions are the longest, 30 min): the next
	// authorize sweeps, off the request path.
	if err := m.Kit().Clock.Advance(31 * time.Minute); err != nil {
		b.Fatal(err)
	}
	if err := rp.flow(ctx); err != nil {
		b.Fatal(err)
	}
	var expired int64
	for range 50 { // the sweep runs in its own goroutine
		time.Sleep(20 * time.Millisecond)
		if expired = live(); expired-before < 2<<20 {
			break
		}
	}
	b.ReportMetric(float64(expired-before)/1024, "expired-live-KiB")
	writeHeapProfile(b, "expired")
}

// writeHeapProfile writes the heap profile to $FC_BENCH_HEAPPROFILE.stage
// when that variable is set (run with -memprofilerate 1 for every
// allocation): what a flow keeps, and what remains once every lifetime
// has passed.
func writeHeapProfile(b *testing.B, stage string) {
	b.Helper()
	path := os.Getenv("FC_BENCH_HEAPPROFILE")
	if path == "" {
		return
	}
	f, err := os.Create(path + "." + stage)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		b.Fatal(err)
	}
}

func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}
