package harness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"
)

// Forward listens on each local address and relays every connection to its
// remote address, until ctx ends. In a conformance container next to the
// sandbox's containers, it makes the browser-side URLs (localhost:7101…)
// reach the components (franceconnect:7101…), as they do on the host.
func Forward(ctx context.Context, routes map[string]string) (func(), error) {
	var lns []net.Listener
	stop := func() {
		for _, ln := range lns {
			ln.Close()
		}
	}
	for local, remote := range routes {
		ln, err := net.Listen("tcp", local)
		if err != nil {
			stop()
			return nil, fmt.Errorf("forward %s: %w", local, err)
		}
		lns = append(lns, ln)
		go serveForward(ctx, ln, remote)
	}
	go func() { <-ctx.Done(); stop() }()
	return stop, nil
}

func serveForward(ctx context.Context, ln net.Listener, remote string) {
	for {
		c, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) || ctx.Err() != nil {
				return
			}
			time.Sleep(10 * time.Millisecond) // out of descriptors, say: do not spin
			continue
		}
		go func() {
			defer c.Close()
			d := net.Dialer{Timeout: 5 * time.Second}
			r, err := d.DialContext(ctx, "tcp", remote)
			if err != nil {
				return
			}
			defer r.Close()
			var wg sync.WaitGroup
			wg.Add(2)
			go func() { defer wg.Done(); _, _ = io.Copy(r, c); closeWrite(r) }()
			go func() { defer wg.Done(); _, _ = io.Copy(c, r); closeWrite(c) }()
			wg.Wait()
		}()
	}
}

func closeWrite(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
}

// ParseForwards reads "local=remote,local=remote" (host:port each).
func ParseForwards(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		local, remote, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("%q : attendu local=distant, par exemple 127.0.0.1:7101=franceconnect:7101", part)
		}
		for _, a := range []string{local, remote} {
			if _, _, err := net.SplitHostPort(a); err != nil {
				return nil, fmt.Errorf("%q: %v", a, err)
			}
		}
		out[local] = remote
	}
	return out, nil
}
