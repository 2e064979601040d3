package portal

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/proconnect-sandbox/proconnect-sandbox/control"
)

// TestKeyRereadsSpacedOnThePortalClock: the JWKS re-reads an unknown kid
// causes are spaced on the portal's sandbox clock, so that moving it lets
// the spacing pass (the conformance suite does, instead of waiting); a
// clock put back to real time does not forbid re-reads until it catches up.
func TestKeyRereadsSpacedOnThePortalClock(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	var reads atomic.Int32
	jwks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		reads.Add(1)
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "ES256", Use: "sig"}}})
	}))
	t.Cleanup(jwks.Close)
	clock := control.NewClock(nil)
	c := newKeyCache(jwks.URL, jwks.Client(), clock.Now, func() keyPolicy { return keyPolicy{} })
	ctx := context.Background()
	lookup := func(kid string, wantReads int32) {
		t.Helper()
		_, _ = c.key(ctx, kid)
		if got := reads.Load(); got != wantReads {
			t.Fatalf("after looking up %q (clock %s ahead): %d JWKS reads, want %d", kid, clock.Offset(), got, wantReads)
		}
	}
	lookup("k1", 1)
	lookup("unknown", 1) // within refetchEvery of the first read
	if err := clock.Advance(refetchEvery); err != nil {
		t.Fatal(err)
	}
	lookup("unknown", 2) // the spacing passed on the portal's clock
	lookup("unknown", 2)
	clock.Reset() // back to real time, before the last read
	lookup("unknown", 3)
	lookup("unknown", 3)
	if _, err := c.key(ctx, "k1"); err != nil {
		t.Fatalf("a held key: %v", err)
	}
}
