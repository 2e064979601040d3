package franceconnect

import (
	"crypto/ecdsa"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/go-jose/go-jose/v4"

	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
	"github.com/proconnect-sandbox/proconnect-sandbox/mocks/internal/es256"
)

// signingKey is one fixture key ready to sign.
type signingKey struct {
	kid    string
	alg    jose.SignatureAlgorithm
	signer jose.Signer
	es     *es256.Signer // the same key and header, for ES256 keys: seal's fast path
	public jose.JSONWebKey
}

// keyring is an immutable snapshot: the active key per algorithm, and every
// key published in the JWKS (the active ones first, then the retired ones,
// kept so that tokens signed before a rotation still verify).
type keyring struct {
	active    map[jose.SignatureAlgorithm]*signingKey
	published []*signingKey
	jwks      []byte // the JWKS document, encoded once
}

// keyset signs with stable fixture keys (never generated at run time) and
// rotates through them on request.
type keyset struct {
	all  []*signingKey // every franceconnect key of the fixtures, in order
	ring atomic.Pointer[keyring]
	mu   sync.Mutex // serialises rotations only
}

func newKeyset(keys []fixtures.Key) (*keyset, error) {
	ks := &keyset{}
	for _, k := range keys {
		alg := jose.SignatureAlgorithm(k.Alg)
		if alg != jose.ES256 && alg != jose.RS256 {
			continue
		}
		jwk := jose.JSONWebKey{Key: k.Signer, KeyID: k.KID, Algorithm: k.Alg, Use: "sig"}
		signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: jwk}, nil)
		if err != nil {
			return nil, fmt.Errorf("franceconnect: key %s: %w", k.KID, err)
		}
		sk := &signingKey{kid: k.KID, alg: alg, signer: signer, public: jwk.Public()}
		if ec, ok := k.Signer.(*ecdsa.PrivateKey); ok && alg == jose.ES256 {
			// the header go-jose writes for this signer: alg and kid
			if sk.es, err = es256.New(ec, k.KID, ""); err != nil {
				return nil, fmt.Errorf("franceconnect: key %s: %w", k.KID, err)
			}
		}
		ks.all = append(ks.all, sk)
	}
	ring := &keyring{active: map[jose.SignatureAlgorithm]*signingKey{}}
	for _, k := range ks.all {
		if ring.active[k.alg] == nil {
			ring.active[k.alg] = k
			ring.published = append(ring.published, k)
		}
	}
	for _, alg := range []jose.SignatureAlgorithm{jose.ES256, jose.RS256} {
		if ring.active[alg] == nil {
			return nil, fmt.Errorf("franceconnect: the fixtures hold no %s key with use franceconnect", alg)
		}
	}
	if err := ring.encode(); err != nil {
		return nil, err
	}
	ks.ring.Store(ring)
	return ks, nil
}

func (r *keyring) encode() error {
	set := jose.JSONWebKeySet{}
	for _, k := range r.published {
		set.Keys = append(set.Keys, k.public)
	}
	b, err := json.Marshal(set)
	if err != nil {
		return fmt.Errorf("franceconnect: jwks: %w", err)
	}
	r.jwks = b
	return nil
}

// signer returns the active key for alg.
func (ks *keyset) signer(alg jose.SignatureAlgorithm) (*signingKey, bool) {
	k, ok := ks.ring.Load().active[alg]
	return k, ok
}

// verificationKeys returns the public keys of the JWKS.
func (ks *keyset) verificationKeys() []jose.JSONWebKey {
	var out []jose.JSONWebKey
	for _, k := range ks.ring.Load().published {
		out = append(out, k.public)
	}
	return out
}

// rotate activates the fixture key of alg that follows the active one and
// keeps the old one published. It returns the new kid.
func (ks *keyset) rotate(alg jose.SignatureAlgorithm) (string, error) {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	cur := ks.ring.Load()
	active, ok := cur.active[alg]
	if !ok {
		return "", fmt.Errorf("no %s key", alg)
	}
	var same []*signingKey
	for _, k := range ks.all {
		if k.alg == alg {
			same = append(same, k)
		}
	}
	if len(same) < 2 {
		return "", fmt.Errorf("the fixtures hold a single %s key: add another with use franceconnect to rotate", alg)
	}
	next := same[(slices.Index(same, active)+1)%len(same)]
	ring := &keyring{active: map[jose.SignatureAlgorithm]*signingKey{}}
	for a, k := range cur.active {
		ring.active[a] = k
	}
	ring.active[alg] = next
	ring.published = []*signingKey{}
	for _, k := range ring.active {
		ring.published = append(ring.published, k)
	}
	slices.SortFunc(ring.published, func(a, b *signingKey) int { return compareAlg(a.alg, b.alg) })
	for _, k := range cur.published {
		if !slices.Contains(ring.published, k) {
			ring.published = append(ring.published, k)
		}
	}
	if err := ring.encode(); err != nil {
		return "", err
	}
	ks.ring.Store(ring)
	return next.kid, nil
}

func compareAlg(a, b jose.SignatureAlgorithm) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// reset makes the first key of each algorithm active again.
func (ks *keyset) reset() {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	ring := &keyring{active: map[jose.SignatureAlgorithm]*signingKey{}}
	for _, k := range ks.all {
		if ring.active[k.alg] == nil {
			ring.active[k.alg] = k
			ring.published = append(ring.published, k)
		}
	}
	if ring.encode() == nil {
		ks.ring.Store(ring)
	}
}
