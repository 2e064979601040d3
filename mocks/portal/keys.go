package portal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// refetchEvery bounds how often an unknown kid makes the portal re-read
// ProConnect's JWKS: anyone can send an event with a made-up kid, and each
// must not cost a call to ProConnect (portal contract PSP-CLE-3).
const refetchEvery = 5 * time.Second

// errUnknownKID is returned for a kid that ProConnect's JWKS does not hold,
// even after a re-read (or while re-reads are spaced out).
var errUnknownKID = errors.New("kid not in ProConnect's JWKS")

// keyCache keeps ProConnect's JWKS: read once, then re-read only for a kid
// it does not hold (a key rotation, PSP-CLE-2), at most every refetchEvery.
// Lookups take no lock; re-reads are serialised.
type keyCache struct {
	url  string
	http *http.Client
	keys atomic.Pointer[jose.JSONWebKeySet]
	mu   sync.Mutex // serialises re-reads
	last time.Time  // when the JWKS was last read (under mu), on now
	now  func() time.Time
	// policy says how a defect changes the caching (nil: correct).
	policy func() keyPolicy
}

// keyPolicy is how the cache behaves: the correct way, or one defect.
type keyPolicy struct {
	noCache     bool // re-read on every event
	never       bool // read once, never again
	noRateLimit bool // re-read for every unknown kid
}

// newKeyCache reads ProConnect's JWKS at url; now is the portal's clock,
// which spaces the re-reads.
func newKeyCache(url string, client *http.Client, now func() time.Time, policy func() keyPolicy) *keyCache {
	return &keyCache{url: url, http: client, now: now, policy: policy}
}

// key returns the public key of kid.
func (c *keyCache) key(ctx context.Context, kid string) (*jose.JSONWebKey, error) {
	pol := c.policy()
	if set := c.keys.Load(); set != nil && !pol.noCache {
		if k := set.Key(kid); len(k) > 0 {
			return &k[0], nil
		}
	}
	set, err := c.reread(ctx, pol)
	if err != nil {
		return nil, err
	}
	if k := set.Key(kid); len(k) > 0 {
		return &k[0], nil
	}
	return nil, errUnknownKID
}

// reread reads the JWKS again unless the policy or the spacing forbids it,
// and returns the keys held.
func (c *keyCache) reread(ctx context.Context, pol keyPolicy) (*jose.JSONWebKeySet, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	held := c.keys.Load()
	// a clock put back (the sandbox's, to real time) does not forbid
	// re-reads until it catches up with the last one
	since := c.now().Sub(c.last)
	switch {
	case held != nil && pol.never:
		return held, nil
	case held != nil && !pol.noCache && !pol.noRateLimit && since >= 0 && since < refetchEvery:
		return held, nil
	}
	set, err := c.fetch(ctx)
	if err != nil {
		if held != nil {
			return held, nil // keep what we had; the event will be retried
		}
		return nil, err
	}
	c.keys.Store(set)
	c.last = c.now()
	return set, nil
}

func (c *keyCache) fetch(ctx context.Context) (*jose.JSONWebKeySet, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("ProConnect's JWKS: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("ProConnect's JWKS: status %d", resp.StatusCode)
	}
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&set); err != nil {
		return nil, fmt.Errorf("ProConnect's JWKS: %w", err)
	}
	return &set, nil
}

// all returns every key held, reading the JWKS if none is (the defects
// that try every key need them).
func (c *keyCache) all(ctx context.Context) ([]jose.JSONWebKey, error) {
	if set := c.keys.Load(); set != nil {
		return set.Keys, nil
	}
	set, err := c.reread(ctx, c.policy())
	if err != nil {
		return nil, err
	}
	return set.Keys, nil
}
