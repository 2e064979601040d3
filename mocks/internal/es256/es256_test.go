package es256_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/proconnect-sandbox/proconnect-sandbox/mocks/internal/es256"
)

// TestSignVerifies: a JOSE library verifies what Sign writes against the
// public key, reads the kid and typ of the header (and none when they are
// empty), and gets the payload back; the signature part starts at sigAt.
func TestSignVerifies(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ kid, typ, header string }{
		{"k1", "JWT", `{"alg":"ES256","kid":"k1","typ":"JWT"}`},
		{"k2", "", `{"alg":"ES256","kid":"k2"}`},
		{"", "", `{"alg":"ES256"}`},
	} {
		s, err := es256.New(key, tc.kid, tc.typ)
		if err != nil {
			t.Fatal(err)
		}
		payload := []byte(`{"sub":"s","n":` + tc.kid + `1}`)
		for range 20 { // R or S shorter than 32 bytes now and then
			jws, sigAt, err := s.Sign(payload)
			if err != nil {
				t.Fatal(err)
			}
			parsed, err := jose.ParseSigned(jws, []jose.SignatureAlgorithm{jose.ES256})
			if err != nil {
				t.Fatal(err)
			}
			got, err := parsed.Verify(&key.PublicKey)
			if err != nil || string(got) != string(payload) {
				t.Fatalf("verify: %v, payload %s", err, got)
			}
			h, _ := base64.RawURLEncoding.DecodeString(jws[:strings.IndexByte(jws, '.')])
			if string(h) != tc.header {
				t.Errorf("header %s, want %s", h, tc.header)
			}
			if jws[sigAt-1] != '.' || strings.Contains(jws[sigAt:], ".") || len(jws)-sigAt != 86 {
				t.Fatalf("sigAt %d in %s", sigAt, jws)
			}
		}
	}
}

func TestNewRefusesOtherCurves(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := es256.New(key, "k", ""); err == nil {
		t.Fatal("a P-384 key was accepted")
	}
	if _, err := es256.New(nil, "k", ""); err == nil {
		t.Fatal("no key was accepted")
	}
}
