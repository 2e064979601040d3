package franceconnect

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/proconnect-sandbox/proconnect-sandbox/mocks/internal/es256"
)

// idTokenClaims is FranceConnect's id_token payload: exactly these keys, amr
// only when the service asked for it (docs/franceconnect.md, « id_token »).
type idTokenClaims struct {
	Iss      string   `json:"iss"`
	Sub      string   `json:"sub"`
	Aud      string   `json:"aud"`
	Exp      int64    `json:"exp"`
	Iat      int64    `json:"iat"`
	AuthTime int64    `json:"auth_time"`
	Nonce    string   `json:"nonce"`
	ACR      string   `json:"acr"`
	AMR      []string `json:"amr,omitempty"`
}

func (m *Mock) idToken(c *clientEntry, s *session, now time.Time) (string, error) {
	claims := idTokenClaims{
		Iss: c.profile.issuer, Sub: s.Subject, Aud: c.fixture.ClientID,
		Exp: now.Add(IDTokenTTL).Unix(), Iat: now.Unix(), AuthTime: s.AuthTime.Unix(),
		Nonce: s.Nonce, ACR: s.ACR, AMR: s.AMR,
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	return m.seal(c, c.fixture.IDTokenSignedAlg, payload)
}

// seal signs payload with the client's algorithm, and for FC+ clients with
// an encryption key wraps the JWS in a JWE (cty JWT).
func (m *Mock) seal(c *clientEntry, alg string, payload []byte) (string, error) {
	var signer jose.Signer
	var fast *es256.Signer
	switch alg {
	case "HS256":
		signer = c.hmac
	default:
		k, ok := m.keys.signer(jose.SignatureAlgorithm(alg))
		if !ok {
			return "", fmt.Errorf("no active %s key", alg)
		}
		signer, fast = k.signer, k.es
	}
	var compact string
	switch {
	case fast != nil: // ES256: the same JWS without go-jose's per-signature header map
		jws, _, err := fast.Sign(payload)
		if err != nil {
			return "", err
		}
		compact = jws
	case signer != nil:
		jws, err := signer.Sign(payload)
		if err != nil {
			return "", err
		}
		if compact, err = jws.CompactSerialize(); err != nil {
			return "", err
		}
	default:
		return "", errors.New("no signer for " + alg)
	}
	if c.encrypter == nil {
		return compact, nil
	}
	jwe, err := c.encrypter.Encrypt([]byte(compact))
	if err != nil {
		return "", err
	}
	return jwe.CompactSerialize()
}
