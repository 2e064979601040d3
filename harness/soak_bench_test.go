package harness

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/control"
	"github.com/proconnect-sandbox/proconnect-sandbox/internal/benchcpu"
)

// BenchmarkSoak starts many complete flows at the same instant against the
// sandbox binary (`up` in a process of its own, so that the peak memory it
// reports is the sandbox's alone), in memory and on SQLite (--data), and
// counts what a person or a portal team would see go wrong: failed flows,
// an event delivered twice (same jti), a certification with more than one
// event, a mail sent twice (same link to the same recipient), 5xx answers in
// the components' journals, events and mails still undelivered after the
// drain, and the sandbox's peak RSS (VmHWM).
//
// Each flow is a browser of its own (cookie jar, connections). Most certify
// a dirigeant: the portal's home page and its form, ProConnect, the
// FranceConnect login form posted with a persona's login and password, the
// register, the way back to the portal's result page. A share file a
// collaborator's access request on the portal's form, which mails the
// dirigeant. The reference portal verifies each event's signature and
// acknowledges it only then; the benchmark checks afterwards that the
// portal applied exactly one event to every certified account.
//
// One iteration is one soak against a fresh sandbox: run it with
// -benchtime 1x (and -count 3 for three runs). Settings come from the
// environment, so that `go test ./harness/ ./docs/` meets no unknown flag:
//
//	SOAK_FLOWS          flows started at once (default 200)
//	SOAK_ACCESS_PERCENT the share of them that are access requests (default 30)
//	SOAK_DEADLINE       no request starts after it (default 3m); a request
//	                    under way gives up after 30 s
//	SOAK_DRAIN          how long to wait for the outboxes (default 60s)
//	SOAK_DIR            keeps each round's sandbox log and report (default:
//	                    a temporary folder, removed)
//	SOAK_STRICT         0 only reports; otherwise any error, duplicate,
//	                    missing or undelivered item fails the benchmark
//	SOAK_BIN            the sandbox binary to run (default: built from
//	                    this tree), to compare two builds
//
// The benchmark's log holds one summary line per round (Go keeps ten lines
// of a benchmark's log); the whole report, with the kinds of errors, the
// 5xx answers, the core API's latencies and the sandbox log's warnings and
// errors, is in SOAK_DIR.
func BenchmarkSoak(b *testing.B) {
	cfg := soakSettings(b)
	bin := os.Getenv("SOAK_BIN")
	if bin == "" {
		bin = filepath.Join(b.TempDir(), "proconnect-sandbox")
		build := exec.Command("go", "build", "-o", bin, "../cmd/proconnect-sandbox")
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			b.Fatalf("build: %v\n%s", err, out)
		}
	}
	for _, store := range []string{"memory", "sqlite"} {
		b.Run("store="+store, func(b *testing.B) {
			var total soakTotals
			b.ResetTimer()
			b.StopTimer()
			for round := range b.N {
				r := startSoakRound(b, cfg, bin, store, round)
				res := r.run()
				r.stop()
				r.report(res)
				total.add(res)
			}
			total.report(b)
		})
	}
}

type soakConfig struct {
	flows, accessPercent int
	deadline, drain      time.Duration
	dir                  string
	strict               bool
}

func soakSettings(b *testing.B) soakConfig {
	c := soakConfig{flows: 200, accessPercent: 30, deadline: 3 * time.Minute, drain: time.Minute, strict: true}
	if v := os.Getenv("SOAK_FLOWS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			b.Fatalf("SOAK_FLOWS=%q: a number of flows, at least 1", v)
		}
		c.flows = n
	}
	if v := os.Getenv("SOAK_ACCESS_PERCENT"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 100 {
			b.Fatalf("SOAK_ACCESS_PERCENT=%q: 0 to 100", v)
		}
		c.accessPercent = n
	}
	for _, d := range []struct {
		env string
		v   *time.Duration
	}{{"SOAK_DEADLINE", &c.deadline}, {"SOAK_DRAIN", &c.drain}} {
		if v := os.Getenv(d.env); v != "" {
			t, err := time.ParseDuration(v)
			if err != nil || t <= 0 {
				b.Fatalf("%s=%q: a Go duration such as 90s", d.env, v)
			}
			*d.v = t
		}
	}
	c.dir = os.Getenv("SOAK_DIR")
	if c.dir == "" {
		c.dir = b.TempDir()
	} else if err := os.MkdirAll(c.dir, 0o755); err != nil {
		b.Fatal(err)
	}
	c.strict = os.Getenv("SOAK_STRICT") != "0"
	return c
}

// What the flows use: angela of the fixtures is a dirigeant of 901001008;
// access requests are filed for 732829320, whose contact email the
// benchmark sets in the register first.
const (
	soakSIREN        = "901001008"
	soakAccessSIREN  = "732829320"
	soakContact      = "dirigeant-soak@exemple.test"
	soakRequestLimit = 30 * time.Second
)

// soakRound is one soak against one sandbox process.
type soakRound struct {
	b        *testing.B
	cfg      soakConfig
	store    string
	name     string // store, round and time: the log's and report's name
	cmd      *exec.Cmd
	logPath  string
	urls     map[string]string // component → public URL
	control  *http.Client
	stopOnce sync.Once
	// read just before the sandbox stops
	peakRSS int64
	cpu     time.Duration
}

var reBanner = regexp.MustCompile(`^(\w+)\s+(http://\S+)\s+127\.0\.0\.1:\d+$`)

// startSoakRound starts the sandbox on free ports, its log in a file, and
// waits until every component answers.
func startSoakRound(b *testing.B, cfg soakConfig, bin, store string, round int) *soakRound {
	r := &soakRound{b: b, cfg: cfg, store: store, urls: map[string]string{},
		name:    fmt.Sprintf("%s-%d-%s", store, round, time.Now().Format("150405")),
		control: &http.Client{Timeout: soakRequestLimit, Transport: &http.Transport{MaxIdleConnsPerHost: 8}}}
	args := []string{"up", "--mailbox-smtp-port", "0", "--recheck-interval", "0"}
	for _, c := range []string{"proconnect", "franceconnect", "sirene", "piste", "portal", "mailbox"} {
		args = append(args, "--"+c+"-port", "0")
	}
	if store == "sqlite" {
		args = append(args, "--data", b.TempDir())
	}
	r.logPath = filepath.Join(cfg.dir, "sandbox-"+r.name+".log")
	logFile, err := os.Create(r.logPath)
	if err != nil {
		b.Fatal(err)
	}
	r.cmd = exec.Command(bin, args...)
	r.cmd.Stderr = logFile
	stdout, err := r.cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := r.cmd.Start(); err != nil {
		b.Fatal(err)
	}
	logFile.Close() // the sandbox has its own descriptor
	b.Cleanup(r.stop)
	found := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		n := 0
		for sc.Scan() { // to the end, so that the sandbox never blocks on its output
			if m := reBanner.FindStringSubmatch(sc.Text()); m != nil && n < 6 {
				r.urls[m[1]] = m[2]
				if n++; n == 6 {
					close(found)
				}
			}
		}
	}()
	select {
	case <-found:
	case <-time.After(30 * time.Second):
		b.Fatalf("the sandbox printed no address in 30 s; its log: %s", r.logPath)
	}
	for _, u := range r.urls {
		waitHealthy(b, r.control, u)
	}
	return r
}

// stop reads the sandbox's peak RSS and CPU time, then ends it (SIGTERM,
// SIGKILL after 10 s).
func (r *soakRound) stop() {
	r.stopOnce.Do(func() {
		r.peakRSS, r.cpu = procStats(r.cmd.Process.Pid)
		_ = r.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = r.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = r.cmd.Process.Kill()
			<-done
		}
	})
}

// procStats reads a process's peak resident set (VmHWM, bytes) and the CPU
// time it used (user + system) from Linux's /proc; zeros elsewhere.
func procStats(pid int) (peak int64, cpu time.Duration) {
	if raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
		for line := range strings.Lines(string(raw)) {
			if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
				peak = kb << 10
			}
		}
	}
	if raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
		// after the command's name in parentheses: state is field 3,
		// utime and stime fields 14 and 15, in clock ticks (100 a second)
		if i := strings.LastIndexByte(string(raw), ')'); i > 0 {
			f := strings.Fields(string(raw[i+1:]))
			if len(f) > 12 {
				u, _ := strconv.ParseInt(f[11], 10, 64)
				s, _ := strconv.ParseInt(f[12], 10, 64)
				cpu = time.Duration(u+s) * 10 * time.Millisecond
			}
		}
	}
	return peak, cpu
}

// soakResult is what one round counted.
type soakResult struct {
	flows, certifications, accessRequests int
	elapsed                               time.Duration // from the common start to the last flow's end
	latencies                             []time.Duration
	errors                                map[string]int // kind → count
	examples                              []string       // the first errors, whole
	// events
	outbox, pendingEvents, eventlessCerts int
	pendingWhy                            map[string]int
	extraEvents                           int // events beyond one per certification
	okDeliveries, dupDeliveries, dupJTIs  int // 2xx attempts; beyond one per jti; jti with more than one
	dupGaps                               []time.Duration
	dupOverlaps                           int
	failedAttempts                        map[string]int
	portalReceived                        int // POST /api/psp/events answered 2xx in the portal's journal
	appliedWrong                          map[string]int
	// mails
	filed, mails, dupMails, dupMailIDs, missingMails int
	accessFiled                                      int // access flows that ended on their page
	// the sandbox
	answers5xx        map[string]int // component, method, route, status → count
	examples5xx       []string
	coreLatency       map[string][]time.Duration // the core's API, by method and route
	logLevels         map[string]int
	logMsgs           map[string]int
	logExamples       map[string]string
	journalGaps       int
	drained           bool
	drainTook         time.Duration
	rss               int64
	cpuSandbox, cpuMe time.Duration
}

func (res *soakResult) anomalies() int {
	return sum(res.errors) + res.pendingEvents + res.eventlessCerts + res.extraEvents + res.dupDeliveries +
		sum(res.appliedWrong) + res.dupMails + res.missingMails + sum(res.answers5xx)
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// soakFlow is one browser's flow and what came of it.
type soakFlow struct {
	access bool
	id     string // the certification or access request
	kind   string // the error's kind, "" when the flow succeeded
	err    string
	took   time.Duration
}

func (r *soakRound) run() *soakResult {
	b, cfg := r.b, r.cfg
	res := &soakResult{flows: cfg.flows, errors: map[string]int{}, failedAttempts: map[string]int{}, pendingWhy: map[string]int{},
		appliedWrong: map[string]int{}, answers5xx: map[string]int{}, coreLatency: map[string][]time.Duration{},
		logLevels: map[string]int{}, logMsgs: map[string]int{}, logExamples: map[string]string{}}
	r.setContact()
	col := &soakCollector{round: r, attempts: map[string]attemptSeen{}, kept: map[string]control.Entry{}, since: map[string]uint64{}}
	stopPolling := col.pollEvery(500 * time.Millisecond)
	cpu0 := benchcpu.Self()

	nAccess := cfg.flows * cfg.accessPercent / 100
	flows := make([]soakFlow, cfg.flows)
	for i := range flows { // the access requests spread among the certifications
		flows[i].access = (i+1)*nAccess/cfg.flows > i*nAccess/cfg.flows
	}
	ctx, cancel := context.WithTimeout(context.Background(), cfg.deadline)
	defer cancel()
	start := make(chan struct{})
	var ready, wg sync.WaitGroup
	for i := range flows {
		ready.Add(1)
		wg.Go(func() {
			tr := &http.Transport{MaxIdleConnsPerHost: 4}
			defer tr.CloseIdleConnections()
			d := newDriver(untilTransport{tr, ctx}, "soak", r.urls["portal"], r.urls["franceconnect"], r.urls["proconnect"])
			d.client.Timeout = soakRequestLimit
			ready.Done()
			<-start
			t0 := time.Now()
			f := &flows[i]
			if f.access {
				f.id, f.kind, f.err = r.fileAccess(d, i)
			} else {
				f.id, f.kind, f.err = r.certify(d)
			}
			f.took = time.Since(t0)
		})
	}
	ready.Wait()
	b.StartTimer()
	t0 := time.Now()
	close(start)
	wg.Wait()
	res.elapsed = time.Since(t0)
	b.StopTimer()

	var certified []string
	for _, f := range flows {
		res.latencies = append(res.latencies, f.took)
		if f.access {
			res.accessRequests++
		} else {
			res.certifications++
		}
		switch {
		case f.kind != "":
			res.errors[f.kind]++
			if len(res.examples) < 5 {
				res.examples = append(res.examples, f.err)
			}
		case f.access:
			res.accessFiled++
		default:
			certified = append(certified, f.id)
		}
	}
	slices.Sort(res.latencies)

	// The outboxes drain: every event delivered, a mail received for every
	// access request the core took.
	t1 := time.Now()
	var events []outboxEvent
	var mails []mailSeen
	for {
		col.poll()
		events, mails = r.outbox(), r.mailbox()
		res.pendingEvents = 0
		for _, e := range events {
			if e.DeliveredAt == nil {
				res.pendingEvents++
			}
		}
		res.filed = col.filed()
		res.missingMails = max(0, res.filed-uniqueLinks(mails))
		if res.pendingEvents == 0 && res.missingMails == 0 {
			res.drained = true
			break
		}
		if time.Since(t1) > cfg.drain {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	res.drainTook = time.Since(t1)
	time.Sleep(time.Second) // a late second delivery shows within this
	stopPolling()
	col.poll()
	events, mails = r.outbox(), r.mailbox()
	res.cpuMe = benchcpu.Self() - cpu0

	r.countEvents(res, events, col, certified)
	r.countMails(res, mails)
	for _, e := range col.kept {
		if e.Status >= 500 {
			k := fmt.Sprintf("%s %s %s → %d", e.Component, e.Method, route(e.Path), e.Status)
			res.answers5xx[k]++
			if len(res.examples5xx) < 5 {
				res.examples5xx = append(res.examples5xx, fmt.Sprintf("%s at %s after %.0f ms: %s", k,
					e.Time.Format("15:04:05.000"), e.DurationMS, e.Answer))
			}
		}
		if e.Component == "proconnect" && strings.HasPrefix(e.Path, "/api/v1/") {
			k := e.Method + " " + route(e.Path)
			res.coreLatency[k] = append(res.coreLatency[k], time.Duration(e.DurationMS*float64(time.Millisecond)))
		}
	}
	res.journalGaps = col.gaps
	return res
}

// untilTransport refuses new requests once the soak's deadline has passed;
// a request under way is bounded by the browser's own timeout.
type untilTransport struct {
	base http.RoundTripper
	ctx  context.Context
}

func (t untilTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.ctx.Err(); err != nil {
		return nil, fmt.Errorf("soak deadline passed: %w", err)
	}
	return t.base.RoundTrip(req)
}

func (r *soakRound) setContact() {
	req, _ := http.NewRequest(http.MethodPut, r.urls["sirene"]+"/__sandbox/companies/"+soakAccessSIREN+"/contact-email",
		strings.NewReader(`{"contact_email":"`+soakContact+`"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := r.control.Do(req)
	if err != nil {
		r.b.Fatalf("contact email: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		r.b.Fatalf("contact email: status %d", resp.StatusCode)
	}
}

// certify is a dirigeant's certification as the browser makes it. It
// returns the certification's ID, or the error's kind and message.
func (r *soakRound) certify(d *driver) (id, kind, msg string) {
	home, err := d.open(r.urls["portal"] + "/")
	if k, m := unexpected("home", home, err, `action="/demarrer"`); k != "" {
		return "", k, m
	}
	f, ok := formTo(home.body, "/demarrer")
	if !ok {
		return "", "home: no start form", home.describe()
	}
	target, _ := home.url.Parse(f.action)
	q := url.Values{}
	maps.Copy(q, f.fields)
	q.Set("siren", soakSIREN)
	target.RawQuery = q.Encode()
	d.from = home.url // a form sent with GET
	e, err := d.get(target.String())
	if err == nil {
		e, err = d.follow(e)
	}
	if k, m := unexpected("start", e, err, `name="password"`); k != "" {
		return "", k, m
	}
	login, ok := loginForm(e.body)
	if !ok {
		return "", "start: no login form at FranceConnect", e.describe()
	}
	e, err = d.submit(e, login, map[string]string{"login": "angela", "password": "123"})
	if k, m := unexpected("login", e, err, `id="outcome">certified<`); k != "" {
		return "", k, m
	}
	return e.url.Query().Get("certification_id"), "", ""
}

// fileAccess is a collaborator's access request as the browser files it.
func (r *soakRound) fileAccess(d *driver, i int) (id, kind, msg string) {
	home, err := d.open(r.urls["portal"] + "/")
	if k, m := unexpected("home", home, err, "/collaborateur"); k != "" {
		return "", k, m
	}
	hrefs := links(home.body, "Demandez l'accès au dirigeant")
	if len(hrefs) == 0 {
		return "", "home: no link to the access request", home.describe()
	}
	target, _ := home.url.Parse(hrefs[0])
	d.from = home.url
	e, err := d.get(target.String())
	if err == nil {
		e, err = d.follow(e)
	}
	if k, m := unexpected("form", e, err, `action="/collaborateur"`); k != "" {
		return "", k, m
	}
	f, ok := formTo(e.body, "/collaborateur")
	if !ok {
		return "", "form: no access request form", e.describe()
	}
	e, err = d.submit(e, f, map[string]string{"siren": soakAccessSIREN, "given_name": "Camille", "family_name": "Martin",
		"email": fmt.Sprintf("soak-%d@exemple.test", i)})
	if k, m := unexpected("file", e, err, `id="access-state">pending<`); k != "" {
		return "", k, m
	}
	return strings.TrimPrefix(e.url.Path, "/collaborateur/"), "", ""
}

// formTo returns the page's form whose action is action.
func formTo(page []byte, action string) (form, bool) {
	for _, f := range forms(page) {
		if f.action == action {
			return f, true
		}
	}
	return form{}, false
}

var (
	reH1    = regexp.MustCompile(`(?s)<h1[^>]*>(.*?)</h1>`)
	reAlert = regexp.MustCompile(`(?s)<p[^>]*id="message"[^>]*>(.*?)</p>`)
	reTags  = regexp.MustCompile(`<[^>]*>`)
)

// pageText is the text of a page's first match of re, cut to limit runes.
func pageText(re *regexp.Regexp, body []byte, limit int) string {
	m := re.FindSubmatch(body)
	if m == nil {
		return ""
	}
	s := strings.Join(strings.Fields(html.UnescapeString(reTags.ReplaceAllString(string(m[1]), ""))), " ")
	if r := []rune(s); len(r) > limit {
		s = string(r[:limit]) + "…"
	}
	return s
}

// unexpected says how a step went wrong, or "" when it landed on a 200 page
// holding want. The kind groups alike errors: the step, the status, the
// route and what the page says (its error, or its title), or the kind of
// transport failure.
func unexpected(step string, e *exchange, err error, want string) (kind, msg string) {
	switch {
	case err != nil:
		return step + ": " + transportKind(err), err.Error()
	case e.status == http.StatusOK && strings.Contains(string(e.body), want):
		return "", ""
	}
	title, message := pageText(reH1, e.body, 80), pageText(reAlert, e.body, 300)
	says := title
	if strings.Contains(string(e.body), `role="alert"`) {
		says, _, _ = strings.Cut(message, " ;") // the form's error, not its title
	}
	return fmt.Sprintf("%s: %d at %s %s « %s »", step, e.status, e.method, route(e.url.Path), says),
		fmt.Sprintf("status %d at %s %s: %s — %s", e.status, e.method, redacted(e.url), title, message)
}

func transportKind(err error) string {
	var ne net.Error
	switch {
	case strings.Contains(err.Error(), "soak deadline passed"):
		return "the soak's deadline passed"
	case errors.As(err, &ne) && ne.Timeout():
		return fmt.Sprintf("no answer in %s", soakRequestLimit)
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return "no local port left"
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed"
	}
	return "transport error"
}

// route is a path with its identifiers (long random segments) as {id}.
func route(path string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if len(p) >= 16 && strings.Trim(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == "" {
			parts[i] = "{id}"
		}
	}
	return strings.Join(parts, "/")
}

// soakCollector gathers, while the soak runs, what the sandbox's rings keep
// only for a while: the core's delivery attempts (2,048 kept), and from
// every component's journal (4,096 kept) the 5xx answers, the events the
// portal received and the core's API calls.
type soakCollector struct {
	round    *soakRound
	mu       sync.Mutex
	attempts map[string]attemptSeen   // event ID and start → the attempt
	kept     map[string]control.Entry // component and seq → the entry
	since    map[string]uint64        // component → the highest seq seen
	nAtt     uint64                   // attempts seen, the next ?since=
	gaps     int                      // journal entries lost between two reads
}

type attemptSeen struct {
	Time       time.Time `json:"time"`
	EventID    string    `json:"event_id"`
	Status     int       `json:"status"`
	Error      string    `json:"error"`
	DurationMS float64   `json:"duration_ms"`
}

func (a attemptSeen) ok() bool { return a.Status >= 200 && a.Status < 300 }

func (a attemptSeen) end() time.Time {
	return a.Time.Add(time.Duration(a.DurationMS * float64(time.Millisecond)))
}

func (c *soakCollector) pollEvery(d time.Duration) (stop func()) {
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				c.poll()
			}
		}
	}()
	return func() { close(done); <-stopped }
}

// poll reads what is new. Both rings number their items from 1, and a
// reader may see item n+1 before n is written: each read starts again 256
// items back, and keeps every item once.
func (c *soakCollector) poll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.round
	var att struct{ Attempts []attemptSeen }
	since := c.nAtt - min(c.nAtt, 256)
	if r.getJSON(r.urls["proconnect"]+"/__sandbox/attempts?since="+strconv.FormatUint(since, 10), &att) == nil {
		for _, a := range att.Attempts {
			c.attempts[a.EventID+" "+a.Time.Format(time.RFC3339Nano)] = a
		}
		c.nAtt = max(c.nAtt, since+uint64(len(att.Attempts)))
	}
	for name, base := range r.urls {
		var j struct{ Entries []control.Entry }
		since := c.since[name] - min(c.since[name], 256)
		if r.getJSON(base+"/__sandbox/journal?since="+strconv.FormatUint(since, 10), &j) != nil {
			continue
		}
		if len(j.Entries) > 0 && since > 0 && j.Entries[0].Seq > since+1 {
			c.gaps += int(j.Entries[0].Seq - since - 1)
		}
		for _, e := range j.Entries {
			c.since[name] = max(c.since[name], e.Seq)
			if e.Status >= 500 || receivedEvent(e) || (e.Component == "proconnect" && strings.HasPrefix(e.Path, "/api/v1/")) {
				c.kept[name+" "+strconv.FormatUint(e.Seq, 10)] = e
			}
		}
	}
}

func receivedEvent(e control.Entry) bool {
	return e.Component == "portal" && e.Method == http.MethodPost && e.Path == "/api/psp/events"
}

// filed is how many access requests the core took (202): one mail each.
func (c *soakCollector) filed() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, e := range c.kept {
		if e.Component == "proconnect" && e.Method == http.MethodPost && e.Path == "/api/v1/access-requests" &&
			e.Status == http.StatusAccepted {
			n++
		}
	}
	return n
}

func (r *soakRound) getJSON(u string, v any) error {
	resp, err := r.control.Get(u)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: status %d", u, resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

type outboxEvent struct {
	ID          string         `json:"id"`
	Data        map[string]any `json:"data"`
	DeliveredAt *time.Time     `json:"delivered_at"`
	Attempts    int            `json:"attempts"`
	LastError   string         `json:"last_error"`
}

// outbox is the core's outbox for the certified company: every
// certification.completed event of the soak.
func (r *soakRound) outbox() []outboxEvent {
	var out struct{ Deliveries []outboxEvent }
	if err := r.getJSON(r.urls["proconnect"]+"/__sandbox/deliveries?subject="+soakSIREN, &out); err != nil {
		r.b.Logf("outbox: %v", err)
	}
	return out.Deliveries
}

type mailSeen struct {
	To      []string            `json:"to"`
	Headers map[string][]string `json:"headers"`
	Links   []string            `json:"links"`
}

// link is the mail's link to the dirigeant's decision page.
func (m mailSeen) link() string {
	for _, l := range m.Links {
		if strings.Contains(l, "/demandes/") {
			return l
		}
	}
	return ""
}

func (r *soakRound) mailbox() []mailSeen {
	var out struct{ Messages []mailSeen }
	if err := r.getJSON(r.urls["mailbox"]+"/api/messages?to="+url.QueryEscape(soakContact), &out); err != nil {
		r.b.Logf("mailbox: %v", err)
	}
	return out.Messages
}

func uniqueLinks(mails []mailSeen) int {
	seen := map[string]bool{}
	for _, m := range mails {
		seen[m.link()] = true
	}
	return len(seen)
}

func (r *soakRound) countEvents(res *soakResult, events []outboxEvent, col *soakCollector, certified []string) {
	res.outbox = len(events)
	perCert := map[string]int{}
	for _, e := range events {
		if id, _ := e.Data["certification_id"].(string); id != "" {
			perCert[id]++
		}
		if e.DeliveredAt == nil {
			res.pendingWhy[fmt.Sprintf("%d attempts, last: %s", e.Attempts, e.LastError)]++
		}
	}
	for _, n := range perCert {
		res.extraEvents += n - 1
	}
	for _, id := range certified {
		if perCert[id] == 0 {
			res.eventlessCerts++
		}
	}
	acked := map[string][]attemptSeen{}
	for _, a := range col.attempts {
		if a.ok() {
			acked[a.EventID] = append(acked[a.EventID], a)
			continue
		}
		k := strconv.Itoa(a.Status)
		if a.Status == 0 {
			k = "no answer: " + a.Error
		}
		res.failedAttempts[k]++
	}
	for _, list := range acked {
		res.okDeliveries += len(list)
		if len(list) < 2 {
			continue
		}
		res.dupJTIs++
		res.dupDeliveries += len(list) - 1
		// when the second delivery started after the first: at once, as
		// the same outbox row taken again, or later, as a retry
		slices.SortFunc(list, func(a, b attemptSeen) int { return a.Time.Compare(b.Time) })
		gap := list[1].Time.Sub(list[0].end())
		if gap < 0 {
			res.dupOverlaps++
		}
		res.dupGaps = append(res.dupGaps, gap)
	}
	slices.Sort(res.dupGaps)
	for _, e := range col.kept {
		if receivedEvent(e) && e.Status >= 200 && e.Status < 300 {
			res.portalReceived++
		}
	}
	// The portal applied one event to each certified account: its status
	// counts the events applied (a jti seen again is acknowledged, not
	// applied).
	ids := make(chan string)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for id := range ids {
				var st struct {
					State   string `json:"account_state"`
					Applied int    `json:"events_applied"`
				}
				k := ""
				if err := r.getJSON(r.urls["portal"]+"/api/status/"+id, &st); err != nil {
					k = "status unreadable"
				} else if st.Applied != 1 || st.State != "certified" {
					k = fmt.Sprintf("%s after %d events", st.State, st.Applied)
				}
				if k != "" {
					mu.Lock()
					res.appliedWrong[k]++
					mu.Unlock()
				}
			}
		})
	}
	for _, id := range certified {
		ids <- id
	}
	close(ids)
	wg.Wait()
}

func (r *soakRound) countMails(res *soakResult, mails []mailSeen) {
	res.mails = len(mails)
	byLink, byID := map[string]int{}, map[string]int{}
	for _, m := range mails {
		for _, to := range m.To {
			byLink[strings.ToLower(to)+" "+m.link()]++
		}
		byID[strings.Join(m.Headers["Message-Id"], ",")]++
	}
	for _, n := range byLink {
		res.dupMails += n - 1
	}
	for _, n := range byID {
		res.dupMailIDs += n - 1
	}
	res.missingMails = max(0, res.filed-len(byLink))
}

var (
	reLogLevel = regexp.MustCompile(`\blevel=(\w+)`)
	reLogKey   = regexp.MustCompile(`\b(msg|component|path)=("(?:[^"\\]|\\.)*"|\S+)`)
)

// readLog counts the sandbox log's lines by level, and its warnings and
// errors by message, component and path, keeping one line of each.
func (r *soakRound) readLog(res *soakResult) {
	f, err := os.Open(r.logPath)
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		lv := reLogLevel.FindStringSubmatch(line)
		if lv == nil {
			continue
		}
		res.logLevels[lv[1]]++
		if lv[1] != "WARN" && lv[1] != "ERROR" {
			continue
		}
		k := lv[1]
		for _, m := range reLogKey.FindAllStringSubmatch(line, -1) {
			k += " " + m[0]
		}
		res.logMsgs[k]++
		if _, ok := res.logExamples[k]; !ok {
			res.logExamples[k] = line
		}
	}
}

// report gives the round's figures: a summary in the benchmark's log, the
// whole report in a file of SOAK_DIR (printing it on standard output would
// cut the benchmark's result line in two).
func (r *soakRound) report(res *soakResult) {
	r.readLog(res)
	res.rss, res.cpuSandbox = r.peakRSS, r.cpu
	failed := sum(res.errors)
	summary := fmt.Sprintf("soak %s: %d flows at once (%d certifications, %d access requests) in %s, %.0f flows/s, "+
		"flow latency p50 %s p99 %s; errors %d (%.2f %%); events: %d in the outbox, %d jti delivered more than once (%d extra deliveries), "+
		"%d extra events for a certification, %d certified without event, %d undelivered; mails: %d filed, %d received, "+
		"%d duplicates, %d missing; 5xx answers %d, sandbox log %d ERROR %d WARN; sandbox peak RSS %.0f MB",
		r.name, res.flows, res.certifications, res.accessRequests, res.elapsed.Round(time.Millisecond),
		float64(res.flows)/res.elapsed.Seconds(), pct(res.latencies, 50), pct(res.latencies, 99),
		failed, 100*float64(failed)/float64(res.flows),
		res.outbox, res.dupJTIs, res.dupDeliveries, res.extraEvents, res.eventlessCerts, res.pendingEvents,
		res.filed, res.mails, res.dupMails, res.missingMails,
		sum(res.answers5xx), res.logLevels["ERROR"], res.logLevels["WARN"], float64(res.rss)/(1<<20))
	lines := []string{summary,
		fmt.Sprintf("  flows: latency p50 %s p90 %s p99 %s max %s; CPU used: sandbox %s, load generator %s (both on the same %d-core machine)",
			pct(res.latencies, 50), pct(res.latencies, 90), pct(res.latencies, 99), pct(res.latencies, 100),
			res.cpuSandbox.Round(10*time.Millisecond), res.cpuMe.Round(10*time.Millisecond), runtime.NumCPU()),
		fmt.Sprintf("  events: %d acknowledged attempts, %d received (2xx) in the portal's journal; outbox drained: %v after %s",
			res.okDeliveries, res.portalReceived, res.drained, res.drainTook.Round(time.Millisecond)),
		fmt.Sprintf("  mails: %d duplicates carry the same Message-ID as another (the same outbox mail sent again); "+
			"%d access requests were filed at the core (and mailed) while the collaborator's browser got an error",
			res.dupMailIDs, max(0, res.filed-res.accessFiled))}
	if len(res.dupGaps) > 0 {
		lines = append(lines, fmt.Sprintf("  a jti's second delivery started %s after its first ended (median; min %s, max %s); %d overlapped it",
			pctD(res.dupGaps, 50), res.dupGaps[0], res.dupGaps[len(res.dupGaps)-1], res.dupOverlaps))
	}
	add := func(format string, m map[string]int) {
		for _, k := range sortedKeys(m) {
			lines = append(lines, fmt.Sprintf(format, m[k], k))
		}
	}
	add("  error ×%d: %s", res.errors)
	for _, m := range res.examples {
		lines = append(lines, "    e.g. "+m)
	}
	add("  undelivered event ×%d: %s", res.pendingWhy)
	add("  delivery attempt refused ×%d: %s", res.failedAttempts)
	add("  portal account ×%d: %s", res.appliedWrong)
	add("  5xx ×%d: %s", res.answers5xx)
	for _, m := range res.examples5xx {
		lines = append(lines, "    e.g. "+m)
	}
	for _, k := range slices.Sorted(maps.Keys(res.coreLatency)) {
		l := res.coreLatency[k]
		slices.Sort(l)
		lines = append(lines, fmt.Sprintf("  core API %s: %d calls, p50 %s p99 %s max %s", k, len(l), pctD(l, 50), pctD(l, 99), pctD(l, 100)))
	}
	for _, k := range sortedKeys(res.logMsgs) {
		lines = append(lines, fmt.Sprintf("  log ×%d: %.400s", res.logMsgs[k], res.logExamples[k]))
	}
	if res.journalGaps > 0 {
		lines = append(lines, fmt.Sprintf("  the journals lost %d entries between two reads: the counts drawn from them may be short", res.journalGaps))
	}
	reportPath := filepath.Join(r.cfg.dir, "soak-"+r.name+".txt")
	lines = append(lines, "  sandbox log: "+r.logPath, "  this report: "+reportPath)
	if err := os.WriteFile(reportPath, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		r.b.Log(err)
	}
	r.b.Log(summary + "\n  report: " + reportPath)
	if r.cfg.strict && res.anomalies() > 0 {
		r.b.Errorf("soak %s: %d errors, duplicates, 5xx, missing or undelivered items, see %s (SOAK_STRICT=0 only reports)",
			r.name, res.anomalies(), reportPath)
	}
}

func pct(sorted []time.Duration, p int) time.Duration { return pctD(sorted, p).Round(time.Millisecond) }

// pctD is the p-th percentile of sorted (nearest rank).
func pctD(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := min(len(sorted)-1, max(0, (len(sorted)*p+99)/100-1))
	return sorted[i]
}

func sortedKeys(m map[string]int) []string {
	keys := slices.Collect(maps.Keys(m))
	slices.SortFunc(keys, func(a, b string) int { return cmp.Or(cmp.Compare(m[b], m[a]), strings.Compare(a, b)) })
	return keys
}

// soakTotals adds up the rounds of one sub-benchmark for its metrics.
type soakTotals struct {
	rounds, flows, errors, dupEvents, extraEvents, dupMails, undelivered, answers5xx int
	elapsed                                                                          time.Duration
	rss                                                                              int64
}

func (t *soakTotals) add(res *soakResult) {
	t.rounds++
	t.flows += res.flows
	t.errors += sum(res.errors)
	t.dupEvents += res.dupDeliveries
	t.extraEvents += res.extraEvents
	t.dupMails += res.dupMails
	t.undelivered += res.pendingEvents + res.missingMails
	t.answers5xx += sum(res.answers5xx)
	t.elapsed += res.elapsed
	t.rss = max(t.rss, res.rss)
}

// report gives the metrics: per round (mean), the peak RSS the highest.
func (t *soakTotals) report(b *testing.B) {
	if t.rounds == 0 {
		return
	}
	n := float64(t.rounds)
	b.ReportMetric(float64(t.flows)/t.elapsed.Seconds(), "flows/s")
	b.ReportMetric(float64(t.errors)/n, "errors")
	b.ReportMetric(float64(t.dupEvents)/n, "dup-events")
	b.ReportMetric(float64(t.extraEvents)/n, "extra-events")
	b.ReportMetric(float64(t.dupMails)/n, "dup-mails")
	b.ReportMetric(float64(t.undelivered)/n, "undelivered")
	b.ReportMetric(float64(t.answers5xx)/n, "5xx")
	b.ReportMetric(float64(t.rss)/(1<<20), "sandbox-peak-MB")
}
