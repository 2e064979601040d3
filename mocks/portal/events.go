package portal

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/proconnect-sandbox/proconnect-sandbox/control"
	"github.com/proconnect-sandbox/proconnect-sandbox/pspevent"
)

// EventType is the typ of ProConnect's events.
const EventType = pspevent.JWSType

// clockSkew tolerated on exp and iat.
const clockSkew = 30 * time.Second

// eventClaims are an event's claims, its data read into the fields this
// portal uses (pspevent holds the contract).
type eventClaims struct {
	pspevent.Claims
	Data eventData `json:"data"`
}

// eventData is the union of the data of the event types this portal uses.
type eventData struct {
	pspevent.Certification
	Reason          string                `json:"reason"`
	AccessRequestID string                `json:"access_request_id"`
	Collaborator    pspevent.Collaborator `json:"collaborator"`
	ContactEmail    string                `json:"contact_email"`
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
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		control.JSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_event", "error_description": "unreadable body"})
		return
	}
	raw := strings.TrimSpace(string(body))
	if d.RecordJTIBeforeVerify { // the jti of whatever arrives, checked or not
		if payload, err := unsafePayload(raw); err == nil {
			var c struct {
				ID string `json:"jti"`
			}
			if json.Unmarshal(payload, &c) == nil && c.ID != "" {
				p.seen.LoadOrStore(c.ID, p.now())
			}
		}
	}
	claims, err := p.verifyEvent(r.Context(), r.Header.Get("Content-Type"), raw)
	if err != nil {
		var rej rejection
		if errors.As(err, &rej) {
			if d.AcceptMalformed {
				w.WriteHeader(http.StatusNoContent)
				return
			}
			if d.ServerErrorOnBadEvents {
				rej.status = http.StatusInternalServerError
			}
			p.log.Info("event refused", "reason", rej.reason)
			control.JSON(w, rej.status, map[string]string{"error": "invalid_event", "error_description": rej.reason})
			return
		}
		control.JSON(w, http.StatusServiceUnavailable, map[string]string{"error": "temporarily_unavailable", "error_description": err.Error()})
		return
	}
	if id := claims.Data.CertificationID; d.RefuseUnknownAccount && id != "" {
		if _, known := p.account(id); !known {
			control.JSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_event", "error_description": "unknown certification"})
			return
		}
	}
	if at, dup := p.seen.LoadOrStore(claims.ID, p.now()); dup && !d.ApplyDuplicates &&
		!(d.ShortJTIMemory && p.now().Sub(at.(time.Time)) > 2*time.Second) {
		w.WriteHeader(http.StatusNoContent) // at least once: acknowledge, apply once
		return
	}
	p.apply(claims)
	w.WriteHeader(http.StatusNoContent)
}

// verifyEvent checks, in order: media type, ES256 compact JWS, typ, kid and
// signature against ProConnect's JWKS, iss, aud, exp, iat, jti, event type
// (portal contract PSP-EVT-2 to PSP-EVT-7).
func (p *Portal) verifyEvent(ctx context.Context, contentType, raw string) (*eventClaims, error) {
	d := p.defects.Load()
	if mt, _, err := mime.ParseMediaType(contentType); (err != nil || mt != pspevent.ContentType) && !d.AcceptAnyContentType {
		return nil, rejection{http.StatusUnsupportedMediaType, "the body must be application/jwt"}
	}
	payload, err := p.verifySignature(ctx, raw)
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
	if d.OnlyCertificationEvts && !strings.HasPrefix(c.EventType, "certification.") && c.EventType != pspevent.DirigeantRevoked {
		return nil, rejection{http.StatusBadRequest, "unsupported event_type " + c.EventType}
	}
	now, skew := p.now(), clockSkew
	if d.HourOfLeeway {
		skew = time.Hour
	}
	switch {
	case !p.issuerIs(c.Issuer):
		return nil, rejection{http.StatusUnauthorized, "iss is not ProConnect"}
	case !p.audienceIs(c.Audience):
		return nil, rejection{http.StatusUnauthorized, "aud is not this portal"}
	case c.Expiry == 0 && !d.NoExpRequired:
		return nil, rejection{http.StatusUnauthorized, "the event has no exp"}
	case c.Expiry != 0 && now.After(time.Unix(c.Expiry, 0).Add(skew)) && !d.IgnoreExpiry:
		return nil, rejection{http.StatusUnauthorized, "the event has expired"}
	case (c.IssuedAt == 0 || time.Unix(c.IssuedAt, 0).After(now.Add(skew))) && !d.IgnoreIssuedAt:
		return nil, rejection{http.StatusUnauthorized, "the event has no iat, or one in the future"}
	case c.ID == "":
		return nil, rejection{http.StatusBadRequest, "no jti"}
	case c.EventType == "" || c.Data.CertificationID == "" && strings.HasPrefix(c.EventType, "certification"):
		return nil, rejection{http.StatusBadRequest, "no event_type, or no certification_id"}
	case c.Data.AccessRequestID == "" && strings.HasPrefix(c.EventType, "access_request."):
		return nil, rejection{http.StatusBadRequest, "no access_request_id"}
	}
	return &c, nil
}

// issuerIs compares iss exactly (PSP-EVT-5).
func (p *Portal) issuerIs(iss string) bool {
	d := p.defects.Load()
	switch {
	case d.IgnoreIssuer:
		return true
	case d.LooseIssuer:
		return strings.HasPrefix(iss, p.cfg.ProConnectIssuer)
	case d.NormaliseIssuer:
		return strings.TrimRight(strings.ToLower(iss), "/") == strings.ToLower(p.cfg.ProConnectIssuer)
	}
	return iss == p.cfg.ProConnectIssuer
}

// audienceIs accepts this portal's client_id, or a list holding it, and
// nothing close to it (PSP-EVT-5).
func (p *Portal) audienceIs(aud json.RawMessage) bool {
	d := p.defects.Load()
	switch {
	case d.IgnoreAudience:
		return true
	case d.LooseAudience:
		return strings.Contains(strings.ToLower(string(aud)), strings.ToLower(p.cfg.ClientID))
	}
	var one string
	if json.Unmarshal(aud, &one) == nil {
		return one == p.cfg.ClientID
	}
	var many []string
	return json.Unmarshal(aud, &many) == nil && slices.Contains(many, p.cfg.ClientID) && !d.AudienceStringOnly
}

// verifySignature accepts ES256 only, with typ proconnect-event+jwt and a
// kid of ProConnect's JWKS; a key the event carries in its header is never
// used (PSP-EVT-2 to PSP-EVT-4).
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
	if typ, _ := h.ExtraHeaders[jose.HeaderType].(string); typ != EventType && !d.IgnoreType {
		return nil, rejection{http.StatusUnauthorized, "typ is not " + EventType}
	}
	if h.Algorithm == string(jose.HS256) {
		return p.verifyHS256Defect(ctx, jws)
	}
	if d.TrustHeaderKeys {
		if key, ok := headerKey(ctx, p.http, raw); ok {
			return verifyES256(raw, key)
		}
	}
	if h.KeyID == "" && !d.AcceptUnknownKID {
		return nil, rejection{http.StatusUnauthorized, "no kid"}
	}
	if d.AcceptUnknownKID {
		return p.verifyAnyKey(ctx, jws)
	}
	key, err := p.keys.key(ctx, h.KeyID)
	if err != nil {
		return nil, rejection{http.StatusUnauthorized, "signature not verified with ProConnect's keys: " + err.Error()}
	}
	payload, err := jws.Verify(key)
	if errors.Is(err, jose.ErrUnsupportedCriticalHeader) && d.IgnoreCritical {
		pub, _ := key.Key.(*ecdsa.PublicKey)
		return verifyES256(raw, pub)
	}
	if err != nil {
		return nil, rejection{http.StatusUnauthorized, "signature not verified with ProConnect's keys: " + err.Error()}
	}
	return payload, nil
}

func unsafePayload(raw string) ([]byte, error) {
	parts := strings.Split(raw, ".")
	if len(parts) < 2 {
		return nil, errors.New("not a JWS")
	}
	return base64.RawURLEncoding.DecodeString(parts[1])
}

// verifyEvent's defects below verify the way careless code does: by hand,
// with whatever key they are given.

// verifyES256 checks a compact JWS's ES256 signature with pub, ignoring
// every header (what a defect does).
func verifyES256(raw string, pub *ecdsa.PublicKey) ([]byte, error) {
	parts := strings.Split(raw, ".")
	if pub == nil || len(parts) != 3 {
		return nil, rejection{http.StatusUnauthorized, "signature not verified"}
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return nil, rejection{http.StatusUnauthorized, "signature not verified"}
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !ecdsa.Verify(pub, sum[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		return nil, rejection{http.StatusUnauthorized, "signature not verified"}
	}
	return base64.RawURLEncoding.DecodeString(parts[1])
}

// headerKey is the trust-header-keys defect: the key the event's header
// offers (jwk, jku, x5u, x5c), as a naive library would use it.
func headerKey(ctx context.Context, client *http.Client, raw string) (*ecdsa.PublicKey, bool) {
	part, _, _ := strings.Cut(raw, ".")
	b, err := base64.RawURLEncoding.DecodeString(part)
	if err != nil {
		return nil, false
	}
	var h struct {
		JWK *jose.JSONWebKey `json:"jwk"`
		JKU string           `json:"jku"`
		X5U string           `json:"x5u"`
		X5C []string         `json:"x5c"`
	}
	if json.Unmarshal(b, &h) != nil {
		return nil, false
	}
	switch {
	case h.JWK != nil:
		pub, ok := h.JWK.Key.(*ecdsa.PublicKey)
		return pub, ok
	case len(h.X5C) > 0:
		der, err := base64.StdEncoding.DecodeString(h.X5C[0])
		if err != nil {
			return nil, false
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, false
		}
		pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
		return pub, ok
	case h.JKU != "" || h.X5U != "":
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.JKU+h.X5U, nil)
		if err != nil {
			return nil, false
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, false
		}
		defer resp.Body.Close()
		var set jose.JSONWebKeySet
		if json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&set) != nil || len(set.Keys) == 0 {
			return nil, false
		}
		pub, ok := set.Keys[0].Key.(*ecdsa.PublicKey)
		return pub, ok
	}
	return nil, false
}

// verifyAnyKey is the unknown-kid defect: it tries every key.
func (p *Portal) verifyAnyKey(ctx context.Context, jws *jose.JSONWebSignature) ([]byte, error) {
	keys, err := p.keys.all(ctx)
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
	keys, err := p.keys.all(ctx)
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
	case c.EventType == pspevent.ContactEmailChanged:
		p.contacts.Store(c.Data.SIREN, c.Data.ContactEmail)
		return
	case c.Data.CertificationID == "":
		return // a type this portal does not know: acknowledged, ignored
	}
	a := p.accountFor(c.Data.CertificationID, c.Data.SIREN, c.Data.AccountRef)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.applied++
	switch c.EventType {
	case pspevent.CertificationCompleted:
		// Delivery is at least once and in no promised order: a revocation
		// is final, a completion that arrives after it changes nothing.
		if a.revoked[c.Data.CertificationID] && !p.defects.Load().RecertifyAfterRevocation {
			return
		}
		a.outcome = c.Data.Outcome
		a.state = p.stateFor(c.Data.Outcome)
		if c.Data.Dirigeant != nil {
			a.dirigeant = c.Data.Dirigeant.GivenName + " " + c.Data.Dirigeant.FamilyName
		}
	case pspevent.DirigeantRevoked:
		if a.state != StateCertified && p.defects.Load().IgnoreEarlyRevocation {
			return
		}
		if a.revoked == nil {
			a.revoked = map[string]bool{}
		}
		a.revoked[c.Data.CertificationID] = true
		a.state = StateRevoked
		if p.defects.Load().RevokeBySIREN {
			p.revokeCompany(a, c.Data.SIREN)
		}
	}
}

// revokeCompany is the revoke-by-SIREN defect: every other account of the
// company loses its certification too (caller holds a's lock).
func (p *Portal) revokeCompany(a *account, siren string) {
	p.accounts.Range(func(_, v any) bool {
		if o := v.(*account); o != a {
			o.mu.Lock()
			if o.siren == siren {
				o.state = StateRevoked
			}
			o.mu.Unlock()
		}
		return true
	})
}
