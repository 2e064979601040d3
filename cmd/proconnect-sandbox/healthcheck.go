package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// runHealthcheck asks a component whether it is up: its /__sandbox/healthz
// on 127.0.0.1:PORT, or the URL given. Exit 0 when it answers 200, 1 else.
// Images FROM scratch have no curl: compose healthchecks run this.
func runHealthcheck(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintln(stderr, "Usage: proconnect-sandbox healthcheck PORT|URL   (PORT: http://127.0.0.1:PORT/__sandbox/healthz)")
		return exitUsage
	}
	target := args[0]
	if port, err := strconv.Atoi(target); err == nil {
		if port <= 0 || port > 65535 {
			fmt.Fprintf(stderr, "healthcheck: port %d out of range\n", port)
			return exitUsage
		}
		target = "http://127.0.0.1:" + strconv.Itoa(port) + "/__sandbox/healthz"
	} else if !strings.HasPrefix(target, "http://") && !strings.HasPrefix(target, "https://") {
		fmt.Fprintf(stderr, "healthcheck: %q is neither a port nor an http(s) URL\n", target)
		return exitUsage
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		fmt.Fprintln(stderr, "healthcheck:", err)
		return exitUsage
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintln(stderr, "healthcheck: unhealthy:", err)
		return exitError
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "healthcheck: unhealthy: %s answered %d\n", target, resp.StatusCode)
		return exitError
	}
	fmt.Fprintln(stdout, "healthy")
	return exitOK
}
