package httpapi

import (
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/go-jose/go-jose/v4"

	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
)

// eventKey is one fixture key ready to sign events.
type eventKey struct {
	kid    string
	signer jose.Signer
	public jose.JSONWebKey
}

// eventRing is an immutable snapshot of the keys: the one that signs, and
// the ones the JWKS publishes (the active key first, then those it
// replaced, so that events signed before a rotation still verify).
type eventRing struct {
	active    *eventKey
	published []*eventKey
	jwks      []byte
}

// eventKeys signs events with the core's stable fixture keys (use
// "proconnect"), never generated at run time, and rotates through them on
// request, as ProConnect would: the new key is published in the JWKS and
// used at once, so a portal must re-read the JWKS for a kid it does not
// know (portal contract PSP-CLE-2).
type eventKeys struct {
	all  []*eventKey
	ring atomic.Pointer[eventRing]
	mu   sync.Mutex // serialises rotations only
	// byPortal is the key a portal rotated to with its own control token
	// (eventkeys_portal.go): portal ID → *eventKey.
	byPortal sync.Map
}

func newEventKeys(keys []fixtures.Key) (*eventKeys, error) {
	if len(keys) == 0 {
		return nil, errors.New("proconnect: the fixtures hold no key with use proconnect")
	}
	ks := &eventKeys{}
	for _, k := range keys {
		priv, ok := k.Signer.(*ecdsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("proconnect: key %s must be ES256", k.KID)
		}
		jwk := jose.JSONWebKey{Key: priv, KeyID: k.KID, Algorithm: "ES256", Use: "sig"}
		signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jwk}, (&jose.SignerOptions{}).WithType(EventType))
		if err != nil {
			return nil, fmt.Errorf("proconnect: key %s: %w", k.KID, err)
		}
		ks.all = append(ks.all, &eventKey{kid: k.KID, signer: signer, public: jwk.Public()})
	}
	if err := ks.set(ks.all[0], nil); err != nil {
		return nil, err
	}
	return ks, nil
}

// set publishes active first, then retired.
func (ks *eventKeys) set(active *eventKey, retired []*eventKey) error {
	r := &eventRing{active: active, published: append([]*eventKey{active}, retired...)}
	set := jose.JSONWebKeySet{}
	for _, k := range r.published {
		set.Keys = append(set.Keys, k.public)
	}
	b, err := json.Marshal(set)
	if err != nil {
		return fmt.Errorf("proconnect: jwks: %w", err)
	}
	r.jwks = b
	ks.ring.Store(r)
	return nil
}

func (ks *eventKeys) current() *eventRing { return ks.ring.Load() }

// rotate makes the next fixture key active, keeping the others it used in
// the JWKS, and returns the new kid. With a single key it fails.
func (ks *eventKeys) rotate() (string, error) {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	if len(ks.all) < 2 {
		return "", errors.New("the fixtures hold a single proconnect key: nothing to rotate to")
	}
	r := ks.current()
	next := ks.all[0]
	for i, k := range ks.all {
		if k == r.active {
			next = ks.all[(i+1)%len(ks.all)]
		}
	}
	var retired []*eventKey
	for _, k := range r.published {
		if k != next {
			retired = append(retired, k)
		}
	}
	return next.kid, ks.set(next, retired)
}

// reset goes back to the first key alone (the state at start).
func (ks *eventKeys) reset() {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	ks.byPortal.Clear()
	_ = ks.set(ks.all[0], nil) // encoded once already: cannot fail
}
