// Package es256 signs JWTs with ES256 (RFC 7515 compact serialization,
// RFC 7518 §3.4) for the mocks that issue many of them: the protected
// header is encoded once, the signature is crypto/ecdsa's. It is what the
// general JOSE libraries do for this one algorithm, without their
// per-token header map, reflection and signer set-up, which cost the
// mocks about a third of a token outside the signature itself (issue 14).
// It does not verify, encrypt or handle any other algorithm: the mocks
// keep go-jose (or fosite) for those.
package es256

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// Signer signs payloads with one P-256 key under one protected header.
type Signer struct {
	key    *ecdsa.PrivateKey
	header string // the protected header, base64url-encoded, and its dot
}

// New returns a signer whose protected header is {"alg":"ES256"} with the
// kid (left out when empty) and the typ (left out when empty). Returns an
// error if key is not a P-256 key.
func New(key *ecdsa.PrivateKey, kid, typ string) (*Signer, error) {
	if key == nil || key.Curve != elliptic.P256() {
		return nil, errors.New("es256: the key is not a P-256 key")
	}
	h, err := json.Marshal(struct {
		Alg string `json:"alg"`
		KID string `json:"kid,omitempty"`
		Typ string `json:"typ,omitempty"`
	}{"ES256", kid, typ})
	if err != nil {
		return nil, fmt.Errorf("es256: header: %w", err)
	}
	return &Signer{key: key, header: base64.RawURLEncoding.EncodeToString(h) + "."}, nil
}

// Sign returns the compact JWS of payload (header.payload.signature) and
// the offset of its signature part.
func (s *Signer) Sign(payload []byte) (jws string, sigAt int, err error) {
	enc := base64.RawURLEncoding
	b := make([]byte, 0, len(s.header)+enc.EncodedLen(len(payload))+1+enc.EncodedLen(64))
	b = append(b, s.header...)
	b = enc.AppendEncode(b, payload)
	digest := sha256.Sum256(b)
	der, err := ecdsa.SignASN1(rand.Reader, s.key, digest[:])
	if err != nil {
		return "", 0, fmt.Errorf("es256: %w", err)
	}
	var raw [64]byte
	if !derToRaw(der, raw[:]) {
		return "", 0, errors.New("es256: unexpected ECDSA signature encoding")
	}
	b = append(b, '.')
	sigAt = len(b)
	b = enc.AppendEncode(b, raw[:])
	return string(b), sigAt, nil
}

// derToRaw writes the ASN.1 ECDSA-Sig-Value (a SEQUENCE of two INTEGERs)
// that crypto/ecdsa returns as JWS wants it: R and S, 32 bytes each, big
// endian (RFC 7518 §3.4). The DER is read with x/crypto's cryptobyte,
// which refuses non-minimal and negative integers.
func derToRaw(der []byte, out []byte) bool {
	input := cryptobyte.String(der)
	var seq cryptobyte.String
	var r, s []byte
	if !input.ReadASN1(&seq, asn1.SEQUENCE) || !input.Empty() ||
		!seq.ReadASN1Integer(&r) || !seq.ReadASN1Integer(&s) || !seq.Empty() ||
		len(r) > 32 || len(s) > 32 {
		return false
	}
	clear(out[:64])
	copy(out[32-len(r):32], r)
	copy(out[64-len(s):64], s)
	return true
}
