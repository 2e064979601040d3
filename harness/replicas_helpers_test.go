package harness

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	neturl "net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/sandbox"
	"github.com/proconnect-sandbox/proconnect-sandbox/sandbox/layout"
	"github.com/proconnect-sandbox/proconnect-sandbox/sandbox/sandboxtest"
)

// roundRobin is the load balancer in front of the core's replicas: each
// request goes to the next replica; one that refuses the connection (it is
// gone) is taken out and the request goes to the next, as a load balancer's
// health check would do. A request a replica took and never answered (it
// died under it) is a 502, as at a real load balancer.
type roundRobin struct {
	mu       sync.Mutex
	backends []string // host:port
	down     map[string]bool
	next     int
	served   map[string]int
	inner    http.RoundTripper
}

func newRoundRobin() *roundRobin {
	return &roundRobin{down: map[string]bool{}, served: map[string]int{},
		inner: &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: time.Minute}}
}

func (rr *roundRobin) add(backend string) {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	rr.backends = append(rr.backends, backend)
}

func (rr *roundRobin) pick() (string, bool) {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	for range rr.backends {
		b := rr.backends[rr.next%len(rr.backends)]
		rr.next++
		if !rr.down[b] {
			rr.served[b]++
			return b, true
		}
	}
	return "", false
}

func (rr *roundRobin) servedBy() map[string]int {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	return maps.Clone(rr.served)
}

// RoundTrip sends req to the next live replica.
func (rr *roundRobin) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		req.Body.Close()
		body = b
	}
	for {
		b, ok := rr.pick()
		if !ok {
			return nil, errors.New("no live replica")
		}
		out := req.Clone(req.Context())
		out.URL.Host = b
		if body != nil {
			out.Body, out.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
		}
		resp, err := rr.inner.RoundTrip(out)
		var op *net.OpError
		if err != nil && errors.As(err, &op) && op.Op == "dial" {
			rr.mu.Lock()
			rr.down[b] = true
			rr.mu.Unlock()
			continue
		}
		return resp, err
	}
}

// eventCounter sits between the core and the reference portal's events
// endpoint: it counts, per jti, the deliveries the portal acknowledged.
type eventCounter struct {
	mu    sync.Mutex
	acked map[string][]time.Time // jti → when the portal acknowledged it
	proxy *httputil.ReverseProxy
}

func newEventCounter(portal string) *eventCounter {
	target, _ := neturl.Parse(portal)
	return &eventCounter{acked: map[string][]time.Time{}, proxy: httputil.NewSingleHostReverseProxy(target)}
}

func (c *eventCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/api/psp/events" {
		c.proxy.ServeHTTP(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	var jti string
	if parts := strings.Split(strings.TrimSpace(string(body)), "."); len(parts) == 3 {
		payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
		var claims struct {
			ID string `json:"jti"`
		}
		_ = json.Unmarshal(payload, &claims)
		jti = claims.ID
	}
	rec := &statusWriter{ResponseWriter: w}
	c.proxy.ServeHTTP(rec, r)
	if jti != "" && rec.status >= 200 && rec.status < 300 {
		c.mu.Lock()
		c.acked[jti] = append(c.acked[jti], time.Now())
		c.mu.Unlock()
	}
}

func (c *eventCounter) acks() map[string][]time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.acked)
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// replicaSet is the sandbox with its core as several replicas on one
// PostgreSQL database, behind one URL (the round robin): every component
// but the core in this process, each replica a process of its own (a real
// process, which a test can kill) or, for benchmarks, in this process with
// a store of its own.
type replicaSet struct {
	tb       testing.TB
	core     string // the URL of the load balancer: the core's public and internal URL
	rr       *roundRobin
	events   *eventCounter
	url      func(string) string
	peers    map[string]sandbox.Peer
	smtp     string
	database string
	procs    []*exec.Cmd
	token    string // the sandbox's control token, "" for none
}

func startReplicaSet(tb testing.TB, database string) *replicaSet {
	tb.Helper()
	return startTokenReplicaSet(tb, database, "")
}

// startTokenReplicaSet is startReplicaSet for a sandbox shared with a
// control token: every component and replica has it.
func startTokenReplicaSet(tb testing.TB, database, token string) *replicaSet {
	tb.Helper()
	rr := newRoundRobin()
	lb := httptest.NewServer(&httputil.ReverseProxy{Transport: rr, Rewrite: func(pr *httputil.ProxyRequest) {
		pr.Out.URL.Scheme, pr.Out.URL.Host = "http", "replicas"
		pr.Out.Host = pr.In.Host
		pr.SetXForwarded()
	}, ErrorLog: log.New(io.Discard, "", 0)}) // a 502 shows in the flow that met it
	tb.Cleanup(lb.Close)
	rs := &replicaSet{tb: tb, core: lb.URL, rr: rr, database: database, peers: map[string]sandbox.Peer{}, token: token}
	var others []string
	for _, name := range layout.Names() {
		if name != "proconnect" {
			others = append(others, name)
		}
	}
	stack, url := sandboxtest.Start(tb, sandbox.Config{Only: others, ControlToken: token,
		PublicURLs: map[string]string{"proconnect": lb.URL}, InternalURLs: map[string]string{"proconnect": lb.URL},
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))})
	rs.url = func(name string) string {
		if name == "proconnect" {
			return lb.URL
		}
		return url(name)
	}
	for _, name := range others {
		s, _ := stack.Service(name)
		rs.peers[name] = sandbox.Peer{Public: s.PublicURL, Internal: s.InternalURL}
	}
	rs.smtp, _ = stack.SMTPAddr()
	rs.events = newEventCounter(rs.peers["portal"].Internal)
	counter := httptest.NewServer(rs.events)
	tb.Cleanup(counter.Close)
	// the core reaches the portal through the counter
	rs.peers["portal"] = sandbox.Peer{Public: rs.peers["portal"].Public, Internal: counter.URL}
	return rs
}

// urlArgs are the peers' URLs as flags of `serve proconnect`.
func (rs *replicaSet) urlArgs() []string {
	args := []string{"--proconnect-public-url", rs.core, "--proconnect-internal-url", rs.core}
	for _, name := range slices.Sorted(maps.Keys(rs.peers)) {
		p := rs.peers[name]
		args = append(args, "--"+name+"-public-url", p.Public, "--"+name+"-internal-url", p.Internal)
	}
	return args
}

var reCoreListen = regexp.MustCompile(`^proconnect\s+http://\S+\s+(127\.0\.0\.1:\d+)$`)

// startProcess starts one replica as a process of bin (serve proconnect)
// and puts it behind the load balancer once it answers.
func (rs *replicaSet) startProcess(bin string) *exec.Cmd {
	tb := rs.tb
	tb.Helper()
	args := append([]string{"serve", "proconnect", "--proconnect-port", "0", "--database", rs.database,
		"--recheck-interval", "0", "--smtp-addr", rs.smtp, "--log-level", "warn"}, rs.urlArgs()...)
	if rs.token != "" {
		args = append(args, "--control-token", rs.token)
	}
	cmd := exec.Command(bin, args...)
	logf, err := os.Create(filepath.Join(tb.TempDir(), "replica.log"))
	if err != nil {
		tb.Fatal(err)
	}
	cmd.Stderr = logf
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	logf.Close()
	tb.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := reCoreListen.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
	}()
	select {
	case a := <-addr:
		waitHealthy(tb, http.DefaultClient, "http://"+a)
		rs.rr.add(a)
	case <-time.After(30 * time.Second):
		b, _ := os.ReadFile(logf.Name())
		tb.Fatalf("replica %d printed no address in 30 s: %s", cmd.Process.Pid, b)
	}
	rs.procs = append(rs.procs, cmd)
	return cmd
}

// startInProcess starts one replica in this process, with a store (a
// connection pool) of its own, and puts it behind the load balancer.
func (rs *replicaSet) startInProcess() {
	tb := rs.tb
	tb.Helper()
	public, internal := map[string]string{"proconnect": rs.core}, map[string]string{"proconnect": rs.core}
	for name, p := range rs.peers {
		public[name], internal[name] = p.Public, p.Internal
	}
	stack, err := sandbox.Start(context.Background(), sandbox.Config{Only: []string{"proconnect"}, Ports: map[string]int{"proconnect": 0},
		PublicURLs: public, InternalURLs: internal, DatabaseURL: rs.database, SMTPAddr: rs.smtp,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = stack.Close(ctx)
	})
	s, _ := stack.Service("proconnect")
	rs.rr.add(s.Listen) // its own address: its internal URL is the load balancer
}

// waitHealthy waits up to 15 s for a component at base to answer its
// health check through c (with the control token a shared sandbox needs).
func waitHealthy(tb testing.TB, c *http.Client, base string) {
	tb.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := c.Get(base + "/__sandbox/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%s does not answer healthz: %v", base, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// certifyThrough is a dirigeant's certification as the browser makes it,
// from the reference portal's home page to its return page; it returns the
// certification's ID.
func certifyThrough(d *driver, portal, siren, login string) (string, error) {
	home, err := d.open(portal + "/")
	if err != nil {
		return "", err
	}
	start, ok := formTo(home.body, "/demarrer")
	if home.status != http.StatusOK || !ok {
		return "", fmt.Errorf("home: no start form: %s", home.describe())
	}
	target, _ := home.url.Parse(start.action)
	q := neturl.Values{}
	maps.Copy(q, start.fields)
	q.Set("siren", siren)
	target.RawQuery = q.Encode()
	d.from = home.url // a form sent with GET
	e, err := d.get(target.String())
	if err == nil {
		e, err = d.follow(e)
	}
	if err != nil {
		return "", err
	}
	f, ok := loginForm(e.body)
	if !ok {
		return "", fmt.Errorf("start: no login form at FranceConnect: %s", e.describe())
	}
	if e, err = d.submit(e, f, map[string]string{"login": login, "password": "123"}); err != nil {
		return "", err
	}
	if e.status != http.StatusOK || !bytes.Contains(e.body, []byte(`id="outcome">certified<`)) {
		return "", fmt.Errorf("certification ended: %s", e.describe())
	}
	return e.url.Query().Get("certification_id"), nil
}

// fileAccessThrough is a collaborator's access request filed on the
// reference portal; it returns the request's ID.
func fileAccessThrough(d *driver, portal, siren, email string) (string, error) {
	home, err := d.open(portal + "/")
	if err != nil {
		return "", err
	}
	hrefs := links(home.body, "Demandez l'accès au dirigeant")
	if len(hrefs) == 0 {
		return "", fmt.Errorf("home: no link to the access request: %s", home.describe())
	}
	target, _ := home.url.Parse(hrefs[0])
	d.from = home.url
	e, err := d.get(target.String())
	if err == nil {
		e, err = d.follow(e)
	}
	if err != nil {
		return "", err
	}
	f, ok := formTo(e.body, "/collaborateur")
	if !ok {
		return "", fmt.Errorf("no access request form: %s", e.describe())
	}
	e, err = d.submit(e, f, map[string]string{"siren": siren, "given_name": "Camille", "family_name": "Martin", "email": email})
	if err != nil {
		return "", err
	}
	if e.status != http.StatusOK || !strings.Contains(string(e.body), `id="access-state">pending<`) {
		return "", fmt.Errorf("filing: %s", e.describe())
	}
	return strings.TrimPrefix(e.url.Path, "/collaborateur/"), nil
}

// decideThrough is the dirigeant's answer from the mail's link: the
// request's page, FranceConnect, the decision page, « Accepter ».
func decideThrough(d *driver, link, id, login string) error {
	e, err := d.open(link)
	if err != nil {
		return err
	}
	f, ok := formTo(e.body, "/demandes/"+id+"/connexion")
	if !ok && e.status == http.StatusConflict && strings.Contains(string(e.body), "elle est acceptée") {
		// an earlier attempt's decision was stored by a replica killed
		// before it answered: the person finds the request accepted
		return nil
	}
	if !ok {
		return fmt.Errorf("request page: %s", e.describe())
	}
	if e, err = d.submit(e, f, nil); err != nil {
		return err
	}
	lf, ok := loginForm(e.body)
	if !ok {
		return fmt.Errorf("no login form at FranceConnect: %s", e.describe())
	}
	if e, err = d.submit(e, lf, map[string]string{"login": login, "password": "123"}); err != nil {
		return err
	}
	df, ok := formTo(e.body, "/demandes/"+id+"/decision")
	if !ok {
		return fmt.Errorf("no decision form: %s", e.describe())
	}
	if e, err = d.submit(e, df, map[string]string{"choix": "accepter"}); err != nil {
		return err
	}
	if e.status != http.StatusOK || !strings.Contains(string(e.body), "Demande acceptée") {
		return fmt.Errorf("decision: %s", e.describe())
	}
	return nil
}
