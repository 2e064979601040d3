package franceconnect

import (
	"encoding/base64"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/go-jose/go-jose/v4"

	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
)

// TestSealES256 holds what the ES256 fast path must keep of go-jose's JWS:
// the protected header {"alg":"ES256","kid":…} of the active key, before
// and after a rotation, a signature the JWKS's key verifies, and the same
// JWE wrapping for FC+ clients that have an encryption key.
func TestSealES256(t *testing.T) {
	set, err := fixtures.Default()
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(Config{PublicURL: "http://127.0.0.1:7101", Fixtures: set})
	if err != nil {
		t.Fatal(err)
	}
	var plain, encrypted *clientEntry
	for _, c := range set.Clients {
		e, _ := m.client(c.ClientID)
		if e.encrypter == nil && plain == nil {
			plain = e
		}
		if e.encrypter != nil && encrypted == nil {
			encrypted = e
		}
	}
	if plain == nil {
		t.Fatal("no client without encryption in the fixtures")
	}
	payload := []byte(`{"sub":"s1"}`)
	check := func(t *testing.T, kid string) {
		t.Helper()
		jws, err := m.seal(plain, "ES256", payload)
		if err != nil {
			t.Fatal(err)
		}
		h, _ := base64.RawURLEncoding.DecodeString(jws[:strings.IndexByte(jws, '.')])
		if want := `{"alg":"ES256","kid":"` + kid + `"}`; string(h) != want {
			t.Errorf("header %s, want %s", h, want)
		}
		parsed, err := jose.ParseSigned(jws, []jose.SignatureAlgorithm{jose.ES256})
		if err != nil {
			t.Fatal(err)
		}
		var key *jose.JSONWebKey
		for _, k := range m.keys.verificationKeys() {
			if k.KeyID == kid {
				key = &k
			}
		}
		if key == nil {
			t.Fatalf("kid %s not in the JWKS", kid)
		}
		if got, err := parsed.Verify(key); err != nil || string(got) != string(payload) {
			t.Fatalf("verify: %v, %s", err, got)
		}
	}
	first, _ := m.keys.signer(jose.ES256)
	check(t, first.kid)
	if next, err := m.keys.rotate(jose.ES256); err == nil {
		check(t, next)
	} else {
		t.Logf("not rotated: %v", err) // one ES256 key in the fixtures
	}
	if encrypted == nil {
		t.Log("no client with an encryption key in the fixtures: JWE not checked")
		return
	}
	jwe, err := m.seal(encrypted, "ES256", payload)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(jwe, "."); n != 4 {
		t.Errorf("FC+ answer has %d dots, want a JWE (4)", n)
	}
}

// TestSealAllocations bounds what signing an id_token or a userinfo costs
// in allocations: go-jose's signer (a header map, its JSON, a JSON Web
// Signature value, CompactSerialize) made 116, the fast path 61, most of
// them crypto/ecdsa's.
func TestSealAllocations(t *testing.T) {
	set, err := fixtures.Default()
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(Config{PublicURL: "http://127.0.0.1:7101", Fixtures: set})
	if err != nil {
		t.Fatal(err)
	}
	// a client that does not encrypt: the signature alone is measured
	var entry *clientEntry
	for _, c := range set.Clients {
		if e, ok := m.client(c.ClientID); ok && e.encrypter == nil {
			entry = e
			break
		}
	}
	if entry == nil {
		t.Fatal("every fixture client encrypts its tokens: no signature alone to measure")
	}
	payload := []byte(`{"sub":"s1","iss":"http://127.0.0.1:7101"}`)
	allocs := testing.AllocsPerRun(50, func() {
		if _, err := m.seal(entry, "ES256", payload); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("%v allocations per signature", allocs)
	if allocs > 70 {
		t.Errorf("%v allocations per signature, want at most 70", allocs)
	}
}

// TestUTF16Len: the count nameProblem checks is utf16.Encode's length,
// for ASCII, accents, astral characters and invalid UTF-8.
func TestUTF16Len(t *testing.T) {
	for _, v := range []string{"", "Angela", "Éloïse-Ñ", "𝒜𝒷 e", "a\xffb", "\xed\xa0\x80", strings.Repeat("😀", 130)} {
		if got, want := utf16Len(v), len(utf16.Encode([]rune(v))); got != want {
			t.Errorf("%q: %d, want %d", v, got, want)
		}
	}
}
