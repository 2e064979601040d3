package portal

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/proconnect-sandbox/proconnect-sandbox/mocks/control"
)

// EventType is the typ of ProConnect's events.
const EventType = "proconnect-event+jwt"

// clockSkew tolerated on exp.
const clockSkew = 30 * time.Second

type eventClaims struct {
	Issuer    string          `json:"iss"`
	Audience  json.RawMessage `json:"aud"`
	IssuedAt  int64           `json:"iat"`
	Expiry    int64           `json:"exp"`
	ID        string          `json:"jti"`
	EventType string          `json:"event_type"`
	Data      struct {
		CertificationID string `json:"certification_id"`
		SIREN           string `json:"siren"`
		Outcome         string `json:"outcome"`
		AccountRef      string `json:"account_ref"`
		Dirigeant       *struct {
			GivenName  string `json:"given_name"`
			FamilyName string `json:"family_name"`
		} `json:"dirigeant"`
		Reason          string `json:"reason"`
		AccessRequestID string `json:"access_request_id"`
		Collaborator    struct {
			Email      string `json:"email"`
			GivenName  string `json:"given_name"`
			FamilyName string `json:"family_name"`
		} `json:"collaborator"`
		ContactEmail string `json:"contact_email"`
	} `json:"data"`
}

type rejection struct {
	status int
	reason string
}

func (r rejection) Error() string { return r.reason }

// events serves the PSP API: POST events_url with a compact JWS.
func (p *Portal) events(w http.ResponseWriter, r *http.Request) {
	d := p.defects.Load()
	if d.SlowEvents {
		select {
		case <-time.After(4 * time.Second):
		case <-r.Context().Done():
			return
		}
	}
	claims, err := p.verifyEvent(r)
	if err != nil {
		var rej rejection
		if errors.As(err, &rej) {
			if d.AcceptMalformed {
				w.WriteHeader(http.StatusNoContent)
				return
			}
			p.log.Info("event refused", "reason", rej.reason)
			control.JSON(w, rej.status, map[string]string{"error": "invalid_event", "error_description": rej.reason})
			return
		}
		control.JSON(w, http.StatusServiceUnavailable, map[string]string{"error": "temporarily_unavailable", "error_description": err.Error()})
		return
	}
	if _, dup := p.seen.LoadOrStore(claims.ID, struct{}{}); dup && !d.ApplyDuplicates {
		w.WriteHeader(http.StatusNoContent) // at least once: acknowledge, apply once
		return
	}
	p.apply(claims)
	w.WriteHeader(http.StatusNoContent)
}

// verifyEvent checks, in order: media type, ES256 compact JWS, typ, kid and
// signature against ProConnect's JWKS, iss, aud, exp, jti, event type.
func (p *Portal) verifyEvent(r *http.Request) (*eventClaims, error) {
	d := p.defects.Load()
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/jwt" {
		return nil, rejection{http.StatusUnsupportedMediaType, "the body must be application/jwt"}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		return nil, rejection{http.StatusBadRequest, "unreadable body"}
	}
	raw := strings.TrimSpace(string(body))
	payload, err := p.verifySignature(r.Context(), raw)
	if err != nil {
		if !d.AcceptUnsigned {
			return nil, err
		}
		payload, err = unsafePayload(raw)
		if err != nil {
			return nil, rejection{http.StatusBadRequest, "not a JWS"}
		}
	}
	var c eventClaims
	if d.StrictData {
		dec := json.NewDecoder(bytes.NewReader(payload))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return nil, rejection{http.StatusBadRequest, "unknown field: " + err.Error()}
		}
	} else if err := json.Unmarshal(payload, &c); err != nil {
		return nil, rejection{http.StatusBadRequest, "the claims are not a JSON object"}
	}
	if d.OnlyCertificationEvts && !strings.HasPrefix(c.EventType, "certification.") && c.EventType != "dirigeant.revoked" {
		return nil, rejection{http.StatusBadRequest, "unsupported event_type " + c.EventType}
	}
	now := time.Now()
	switch {
	case c.Issuer != p.cfg.ProConnectIssuer && !d.IgnoreIssuer:
		return nil, rejection{http.StatusUnauthorized, "iss is not ProConnect"}
	case !audienceIs(c.Audience, p.cfg.ClientID) && !d.IgnoreAudience:
		return nil, rejection{http.StatusUnauthorized, "aud is not this portal"}
	case c.Expiry == 0 || (now.After(time.Unix(c.Expiry, 0).Add(clockSkew)) && !d.IgnoreExpiry):
		return nil, rejection{http.StatusUnauthorized, "the event has expired"}
	case c.ID == "":
		return nil, rejection{http.StatusBadRequest, "no jti"}
	case c.EventType == "" || c.Data.CertificationID == "" && strings.HasPrefix(c.EventType, "certification"):
		return nil, rejection{http.StatusBadRequest, "no event_type, or no certification_id"}
	case c.Data.AccessRequestID == "" && strings.HasPrefix(c.EventType, "access_request."):
		return nil, rejection{http.StatusBadRequest, "no access_request_id"}
	}
	return &c, nil
}

// verifySignature accepts ES256 only, with typ proconnect-event+jwt and a
// kid of ProConnect's JWKS (refetched once for an unknown kid: rotation).
func (p *Portal) verifySignature(ctx context.Context, raw string) ([]byte, error) {
	d := p.defects.Load()
	algs := []jose.SignatureAlgorithm{jose.ES256}
	if d.AcceptHS256 {
		algs = append(algs, jose.HS256)
	}
	jws, err := jose.ParseSigned(raw, algs)
	if err != nil || len(jws.Signatures) != 1 {
		return nil, rejection{http.StatusUnauthorized, "not a compact JWS signed ES256"}
	}
	h := jws.Signatures[0].Header
	if typ, _ := h.ExtraHeaders[jose.HeaderType].(string); typ != EventType {
		return nil, rejection{http.StatusUnauthorized, "typ is not " + EventType}
	}
	if h.Algorithm == string(jose.HS256) {
		return p.verifyHS256Defect(ctx, jws)
	}
	if h.KeyID == "" && !d.AcceptUnknownKID {
		return nil, rejection{http.StatusUnauthorized, "no kid"}
	}
	if d.AcceptUnknownKID {
		return p.verifyAnyKey(ctx, jws)
	}
	payload, err := p.keys.VerifySignature(ctx, raw)
	if err != nil {
		return nil, rejection{http.StatusUnauthorized, "signature not verified with ProConnect's keys: " + err.Error()}
	}
	return payload, nil
}

func audienceIs(aud json.RawMessage, want string) bool {
	var one string
	if json.Unmarshal(aud, &one) == nil {
		return one == want
	}
	var many []string
	return json.Unmarshal(aud, &many) == nil && slices.Contains(many, want)
}

func unsafePayload(raw string) ([]byte, error) {
	parts := strings.Split(raw, ".")
	if len(parts) < 2 {
		return nil, errors.New("not a JWS")
	}
	return base64.RawURLEncoding.DecodeString(parts[1])
}

// publicKeys fetches ProConnect's JWKS (only the defects need it: the
// correct path goes through the key set's cache).
func (p *Portal) publicKeys(ctx context.Context) ([]jose.JSONWebKey, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.jwksURL, nil)
	resp, err := p.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&set); err != nil {
		return nil, err
	}
	return set.Keys, nil
}

// verifyAnyKey is the unknown-kid defect: it tries every key.
func (p *Portal) verifyAnyKey(ctx context.Context, jws *jose.JSONWebSignature) ([]byte, error) {
	keys, err := p.publicKeys(ctx)
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		if payload, err := jws.Verify(k); err == nil {
			return payload, nil
		}
	}
	return nil, rejection{http.StatusUnauthorized, "signature not verified"}
}

// verifyHS256Defect is the algorithm-confusion defect: HMAC keyed with the
// PEM of ProConnect's public key (what a naive library does).
func (p *Portal) verifyHS256Defect(ctx context.Context, jws *jose.JSONWebSignature) ([]byte, error) {
	keys, err := p.publicKeys(ctx)
	if err != nil || len(keys) == 0 {
		return nil, rejection{http.StatusUnauthorized, "no key"}
	}
	der, err := x509.MarshalPKIXPublicKey(keys[0].Key)
	if err != nil {
		return nil, rejection{http.StatusUnauthorized, "no key"}
	}
	secret := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	payload, err := jws.Verify(secret)
	if err != nil {
		return nil, rejection{http.StatusUnauthorized, "signature not verified"}
	}
	return payload, nil
}

// apply changes the account an event is about.
func (p *Portal) apply(c *eventClaims) {
	switch {
	case strings.HasPrefix(c.EventType, "access_request."):
		p.applyAccess(c)
		return
	case c.EventType == "contact_email.changed":
		p.contacts.Store(c.Data.SIREN, c.Data.ContactEmail)
		return
	case c.Data.CertificationID == "":
		return // a type this portal does not know: acknowledged, ignored
	}
	a := p.accountFor(c.Data.CertificationID, c.Data.SIREN)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.applied++
	switch c.EventType {
	case "certification.completed":
		// Delivery is at least once and in no promised order: a revocation
		// is final, a completion that arrives after it changes nothing.
		if a.state == StateRevoked && !p.defects.Load().RecertifyAfterRevocation {
			return
		}
		a.outcome = c.Data.Outcome
		a.state = p.stateFor(c.Data.Outcome)
		if c.Data.Dirigeant != nil {
			a.dirigeant = c.Data.Dirigeant.GivenName + " " + c.Data.Dirigeant.FamilyName
		}
	case "dirigeant.revoked":
		a.state = StateRevoked
	}
}
