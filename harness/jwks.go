package harness

import (
	"encoding/json"
	"fmt"

	"github.com/go-jose/go-jose/v4"
)

// verifyWithJWKS checks a compact JWS signed with alg against the key its
// kid names in the JWKS at jwksURL (read now: a scenario sees rotations),
// and returns the payload and the header. who names the issuer in errors.
func (w *world) verifyWithJWKS(compact string, alg jose.SignatureAlgorithm, jwksURL, who string) ([]byte, jose.Header, error) {
	jws, err := jose.ParseSigned(compact, []jose.SignatureAlgorithm{alg})
	if err != nil {
		return nil, jose.Header{}, fmt.Errorf("pas un JWS signé %s : %w", alg, err)
	}
	e, err := w.http.backend.get(jwksURL)
	if err != nil {
		return nil, jose.Header{}, err
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(e.body, &set); err != nil {
		return nil, jose.Header{}, fmt.Errorf("JWKS de %s : %w", who, err)
	}
	h := jws.Signatures[0].Header
	keys := set.Key(h.KeyID)
	if len(keys) == 0 {
		return nil, h, fmt.Errorf("le kid %q n'est pas dans le JWKS de %s", h.KeyID, who)
	}
	payload, err := jws.Verify(keys[0])
	if err != nil {
		return nil, h, fmt.Errorf("signature: %w", err)
	}
	return payload, h, nil
}
