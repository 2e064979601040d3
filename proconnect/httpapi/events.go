package httpapi

import (
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
)

// EventType is the typ header of the events (DESIGN §5).
const EventType = "proconnect-event+jwt"

// Delivery settings: each attempt waits at most deliveryTimeout; a failure is
// retried after 1 s, 2 s, 4 s… up to maxBackoff, with some jitter.
const (
	deliveryTimeout = 5 * time.Second
	maxBackoff      = 5 * time.Minute
	eventTTL        = 5 * time.Minute
	batch           = 64
	workers         = 8
)

// pusher delivers the outbox: at least once, each attempt signed afresh
// (iat, exp = iat + 5 min) under the same jti.
type pusher struct {
	issuer  string
	signer  jose.Signer
	jwks    []byte
	store   proconnect.Store
	portals *portals
	now     func() time.Time
	log     *slog.Logger
	http    *http.Client
	outbox  *drainer[proconnect.Event]
}

func newPusher(cfg Config, store proconnect.Store, p *portals, now func() time.Time, log *slog.Logger) (*pusher, error) {
	keys := cfg.Fixtures.KeysFor("proconnect")
	if len(keys) == 0 {
		return nil, errors.New("proconnect: the fixtures hold no key with use proconnect")
	}
	k, ok := keys[0].Signer.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("proconnect: key %s must be ES256", keys[0].KID)
	}
	jwk := jose.JSONWebKey{Key: k, KeyID: keys[0].KID, Algorithm: "ES256", Use: "sig"}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jwk}, (&jose.SignerOptions{}).WithType(EventType))
	if err != nil {
		return nil, err
	}
	jwks, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{jwk.Public()}})
	if err != nil {
		return nil, err
	}
	ps := &pusher{issuer: cfg.PublicURL, signer: signer, jwks: jwks, store: store, portals: p, now: now, log: log,
		http: &http.Client{Timeout: deliveryTimeout, Transport: cfg.HTTPClient.Transport,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	ps.outbox = newDrainer("outbox", workers, batch, log,
		func(ctx context.Context, limit int) ([]proconnect.Event, error) {
			return store.DueEvents(ctx, now(), limit)
		},
		func(e proconnect.Event) string { return e.ID }, ps.deliver)
	return ps, nil
}

func (p *pusher) wake() { p.outbox.wake() }

// run delivers due events until ctx ends: at once when woken, and every
// 200 ms for retries.
func (p *pusher) run(ctx context.Context) { p.outbox.run(ctx) }

// sign makes the event's JWS for one attempt.
func (p *pusher) sign(e proconnect.Event, aud string) (string, error) {
	now := p.now()
	claims, err := json.Marshal(map[string]any{"iss": p.issuer, "aud": aud, "iat": now.Unix(),
		"exp": now.Add(eventTTL).Unix(), "jti": e.ID, "event_type": e.Type, "data": e.Data})
	if err != nil {
		return "", err
	}
	jws, err := p.signer.Sign(claims)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

// deliver makes one attempt and records it.
func (p *pusher) deliver(ctx context.Context, e proconnect.Event) {
	e.Attempts++
	status, err := p.attempt(ctx, e)
	now := p.now()
	e.LastStatus = status
	if err == nil {
		e.DeliveredAt, e.LastError = &now, ""
	} else {
		e.LastError = err.Error()
		e.NextAttempt = now.Add(backoff(e.Attempts))
	}
	if err := p.store.UpdateEvent(ctx, e); err != nil && ctx.Err() == nil {
		p.log.Error("outbox update", "event", e.ID, "err", err)
	}
}

func (p *pusher) attempt(ctx context.Context, e proconnect.Event) (int, error) {
	portal, ok := p.portals.get(e.PortalID)
	if !ok || portal.EventsURL == "" {
		return 0, errors.New("the portal has no events_url")
	}
	jws, err := p.sign(e, e.PortalID)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, portal.EventsURL, strings.NewReader(jws))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/jwt")
	resp, err := p.http.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("the portal answered %d", resp.StatusCode)
	}
	return resp.StatusCode, nil
}

// backoff is 1 s, 2 s, 4 s… capped at 5 min, with up to 20 % jitter.
func backoff(attempts int) time.Duration {
	d := time.Second << min(attempts-1, 20)
	if d > maxBackoff || d <= 0 {
		d = maxBackoff
	}
	return d + time.Duration(rand.Int64N(int64(d)/5+1))
}
