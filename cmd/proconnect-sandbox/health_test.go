package main

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// waitHealthy polls /__sandbox/healthz of each URL until all answer 200.
func waitHealthy(ctx context.Context, urls []string) error {
	client := &http.Client{Timeout: time.Second}
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
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
	return nil
}
