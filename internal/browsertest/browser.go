package browsertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// AxeEnv names the environment variable that gives the path of axe-core's
// axe.min.js (.ci/run installs it with npm).
const AxeEnv = "PROCONNECT_SANDBOX_AXE_CORE"

// ScreenshotsEnv names the environment variable that gives the folder
// where tests keep their screenshots (CI: reports/screenshots/).
const ScreenshotsEnv = "PROCONNECT_SANDBOX_SCREENSHOTS"

// ChromiumEnv names the environment variable that may give Chromium's path.
const ChromiumEnv = "PROCONNECT_SANDBOX_CHROMIUM"

// unavailable fails the test under CI=true, where everything must be
// checked, and skips it elsewhere, saying what was not tested.
func unavailable(tb testing.TB, format string, args ...any) {
	tb.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		tb.Fatal(msg)
	}
	tb.Skip("not tested: " + msg)
}

// Chromium returns the path of the Chromium to use: $PROCONNECT_SANDBOX_CHROMIUM,
// or the first of chromium, chromium-browser, google-chrome on the PATH.
func Chromium() (string, error) {
	if p := os.Getenv(ChromiumEnv); p != "" {
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no chromium, chromium-browser or google-chrome on the PATH (nor $" + ChromiumEnv + ")")
}

// Browser is one headless Chromium with one tab, closed when the test ends.
type Browser struct {
	ctx context.Context
}

// Start starts headless Chromium with a fresh profile.
func Start(tb testing.TB) *Browser {
	tb.Helper()
	path, err := Chromium()
	if err != nil {
		unavailable(tb, "the pages in a browser: %v", err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("font-render-hinting", "none"),
		// a French person's browser: its own words (a file field's button;
		// on Linux Chromium takes them from LANGUAGE, not --lang) and
		// Accept-Language in French
		chromedp.Env("LANGUAGE=fr", "LANG=fr_FR.UTF-8"),
		chromedp.Flag("lang", "fr-FR"),
		chromedp.Flag("accept-lang", "fr-FR,fr"),
		chromedp.UserDataDir(tb.TempDir()),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	tb.Cleanup(func() { cancel(); cancelAlloc() })
	// the first action starts the browser, which lives as long as the
	// context of that action: ctx itself, never one with a deadline
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		unavailable(tb, "the pages in a browser: %s does not start: %v", path, err)
	}
	return &Browser{ctx: ctx}
}

// Context is the browser's chromedp context, for a test that drives the
// page with chromedp's own actions; bound them with a deadline of your own
// (context.WithTimeout), as the Browser's methods do.
func (b *Browser) Context() context.Context { return b.ctx }

// timeout bounds each step, so that a page that never loads fails the
// test instead of hanging it.
const timeout = 20 * time.Second

func (b *Browser) do(steps ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(b.ctx, timeout)
	defer cancel()
	return chromedp.Do(ctx, steps...)
}

// Resize sets the window's width (CSS pixels; the height stays 900): 1280
// for a desktop, 390 for a phone.
func (b *Browser) Resize(width int) error {
	return b.do(chromedp.EmulateViewport(int64(width), 900, chromedp.EmulateScale(1)))
}

// Open loads url and waits for the page and its stylesheets; it returns the
// document's HTTP status.
func (b *Browser) Open(url string) (int, error) {
	return b.navigate(chromedp.Navigate(url))
}

// Submit fills the fields (CSS selector → value) of the current page,
// clicks the element button selects and waits for the page that follows.
func (b *Browser) Submit(fields map[string]string, button string) (int, error) {
	var steps []chromedp.Action[chromedp.Void]
	for sel, v := range fields {
		steps = append(steps, chromedp.SetValue(chromedp.CSS(sel), v))
	}
	if err := b.do(steps...); err != nil {
		return 0, fmt.Errorf("fill %v: %w", fields, err)
	}
	return b.navigate(chromedp.Click(chromedp.CSS(button), chromedp.NodeVisible))
}

// Click clicks the element sel selects (a link, a button) and waits for
// the page that follows.
func (b *Browser) Click(sel string) (int, error) {
	return b.navigate(chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

func (b *Browser) navigate(step chromedp.Action[chromedp.Void]) (int, error) {
	ctx, cancel := context.WithTimeout(b.ctx, timeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, step)
	if err != nil {
		return 0, err
	}
	// fonts load after the document: wait for them, so screenshots show
	// Marianne
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`document.fonts.ready.then(() => true)`, awaitPromise)); err != nil {
		return 0, err
	}
	return int(resp.Status), nil
}

func awaitPromise(p *runtime.EvaluateParams) { t := true; p.AwaitPromise = &t }

// Location is the current page's URL.
func (b *Browser) Location() (string, error) {
	ctx, cancel := context.WithTimeout(b.ctx, timeout)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Location())
}

// Eval evaluates a JavaScript expression in the page and decodes its
// JSON value into out.
func (b *Browser) Eval(expr string, out any) error {
	ctx, cancel := context.WithTimeout(b.ctx, timeout)
	defer cancel()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[json.RawMessage](expr, awaitPromise))
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, out)
}

// Screenshot takes a PNG of the whole page at the current width.
func (b *Browser) Screenshot() ([]byte, error) {
	ctx, cancel := context.WithTimeout(b.ctx, timeout)
	defer cancel()
	return chromedp.Run(ctx, chromedp.FullScreenshot(100))
}

// Trim shortens s for a failure message.
func trim(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// ClearCookies forgets every cookie, as a new private window would: the
// next login at FranceConnect asks again.
func (b *Browser) ClearCookies() error {
	return b.do(func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, network.ClearBrowserCookies, cdp.Empty{})
		return chromedp.Void{}, err
	})
}

// Drive starts Chromium (Start) at width CSS pixels and returns its context
// for a test that drives the page with chromedp's own actions, bounded by
// limit.
func Drive(tb testing.TB, width int, limit time.Duration) context.Context {
	tb.Helper()
	b := Start(tb)
	if err := b.Resize(width); err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(b.ctx, limit)
	tb.Cleanup(cancel)
	return ctx
}
