package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// runHealthcheck exits 0 when every target answers 200: a port (the
// component's /__sandbox/healthz on 127.0.0.1) or a URL. With --wait it
// retries until they all do or the time is up (a CI step that waits for the
// sandbox and a portal to be ready, instead of sleeping). Images FROM
// scratch have no curl: compose healthchecks run this too.
func runHealthcheck(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	wait := fs.Duration("wait", 0, "retry until every target answers 200, for at most this long (e.g. 30s)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: proconnect-sandbox healthcheck [--wait 30s] PORT|URL…\n\n"+
			"Exit 0 when every target answers 200. A PORT means http://127.0.0.1:PORT/__sandbox/healthz\n"+
			"(a sandbox component); a URL is asked as it is (your portal, say).\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return exitUsage
	}
	var targets []string
	for _, t := range fs.Args() {
		if port, err := strconv.Atoi(t); err == nil {
			if port <= 0 || port > 65535 {
				fmt.Fprintf(stderr, "healthcheck: port %d hors limites\n", port)
				return exitUsage
			}
			t = "http://127.0.0.1:" + strconv.Itoa(port) + "/__sandbox/healthz"
		} else if !strings.HasPrefix(t, "http://") && !strings.HasPrefix(t, "https://") {
			fmt.Fprintf(stderr, "healthcheck: %q n'est ni un port ni une URL http(s)\n", t)
			return exitUsage
		}
		targets = append(targets, t)
	}
	// the targets are asked side by side: one slow component does not
	// delay the answer about the others, and seven probes cost the time
	// of one (issue 14)
	deadline := time.Now().Add(*wait)
	errs := make([]error, len(targets))
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Go(func() {
			for {
				err := probe(ctx, t)
				if err == nil {
					return
				}
				if time.Now().After(deadline) || ctx.Err() != nil {
					errs[i] = err
					return
				}
				time.Sleep(100 * time.Millisecond)
			}
		})
	}
	wg.Wait()
	failed := false
	for i, err := range errs {
		if err == nil {
			continue
		}
		failed = true
		if *wait > 0 {
			fmt.Fprintf(stderr, "healthcheck: %s toujours indisponible après %s : %v\n", targets[i], *wait, err)
		} else {
			fmt.Fprintf(stderr, "healthcheck: indisponible : %v\n", err)
		}
	}
	if failed {
		return exitError
	}
	fmt.Fprintln(stdout, "en bonne santé")
	return exitOK
}

// probe asks target once, for at most 2 s.
func probe(ctx context.Context, target string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s a répondu %d", target, resp.StatusCode)
	}
	return nil
}
