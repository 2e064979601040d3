package main

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// waitHealthy polls /__sandbox/healthz of each URL every 20 ms until all
// answer 200.
func waitHealthy(ctx context.Context, urls []string) error {
	return pollHealthy(ctx, urls, 20*time.Millisecond)
}

// pollHealthy polls /__sandbox/healthz of each URL every period until all
// answer 200 (a new connection each time, as a health check makes it).
func pollHealthy(ctx context.Context, urls []string, period time.Duration) error {
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: time.Second}
	for _, u := range urls {
		for {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u+"/__sandbox/healthz", nil)
			resp, err := client.Do(req)
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					break
				}
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("%s did not become healthy: %w", u, ctx.Err())
			case <-time.After(period):
			}
		}
	}
	return nil
}
