package franceconnect

import (
	"crypto/sha256"
	"encoding/base64"
)

// sigKey is a code's or an access token's map key: the 32 random bytes
// that its 43 characters of base64url carry. Keyed by the text, each
// entry cost a 48-byte copy of it besides the map slot, two a flow for the
// token's lifetime (issue 14). A value that is not such a text, which this
// mock never issues, is keyed by its SHA-256 and so matches nothing issued.
type sigKey [32]byte

func (k sigKey) shardOf() uint32 { return uint32(k[0]) } // a random byte

// requestID is a grant's request ID as codes, tokens and revocation marks
// keep it: the 16 random bytes of the 22 characters randid gives it (its
// text cost every flow 24 bytes for the token's lifetime). An ID of
// another shape, which this mock never makes, is kept as 16 bytes of its
// SHA-256, and String gives fosite that ID's text from then on: the
// same key again.
type requestID [16]byte

func (k requestID) shardOf() uint32 { return uint32(k[0]) } // a random byte

func (k requestID) String() string { return base64.RawURLEncoding.EncodeToString(k[:]) }

func idOf(id string) requestID {
	var k requestID
	bytesOf(k[:], id)
	return k
}

var strictBase64 = base64.RawURLEncoding.Strict()

func keyOf(sig string) sigKey {
	var k sigKey
	bytesOf(k[:], sig)
	return k
}

// bytesOf fills k with the bytes that text, unpadded base64url of exactly
// len(k) bytes, carries; with the start of text's SHA-256 otherwise.
func bytesOf(k []byte, text string) {
	if len(text) == strictBase64.EncodedLen(len(k)) {
		if n, err := strictBase64.Decode(k, []byte(text)); err == nil && n == len(k) {
			return
		}
	}
	h := sha256.Sum256([]byte(text))
	copy(k, h[:])
}
