package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/control"
	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
	"github.com/proconnect-sandbox/proconnect-sandbox/pspevent"
)

// EventType is the typ header of the events (pspevent holds the contract).
const EventType = pspevent.JWSType

// Delivery settings: each attempt waits at most deliveryTimeout; a failure is
// retried after 1 s, 2 s, 4 s… up to maxBackoff, with some jitter.
const (
	deliveryTimeout = 5 * time.Second
	maxBackoff      = 5 * time.Minute
	eventTTL        = pspevent.TTL
	batch           = 64
	workers         = 8
	// eventLease is how long a claimed event waits for its attempt to
	// report before another claim may take it (after a crash).
	eventLease = deliveryTimeout + 25*time.Second
)

// pusher delivers the outbox: at least once, each attempt signed afresh
// (iat, exp = iat + 5 min) under the same jti.
type pusher struct {
	issuer  string
	keys    *eventKeys
	store   proconnect.Store
	portals *portals
	// now is the core's clock (movable by the control API): it schedules
	// retries. The events' iat and exp are on real time, always: a portal
	// checks them against its own clock (portal contract PSP-EVT-6).
	now    func() time.Time
	log    *slog.Logger
	http   *http.Client
	outbox *drainer[proconnect.Event]
	// held lists the portals whose deliveries wait (control API): a
	// scenario checks that a portal applies its own re-check's answer
	// before any event tells it.
	held sync.Map // portal ID → struct{}
	// attempts journals every delivery attempt, for reports; shared,
	// when set, is that journal for every replica (replicas.go).
	attempts *control.Ring[Attempt]
	shared   *control.Stream[Attempt]
}

// Attempt is one delivery attempt of an event, as the control API shows it.
type Attempt struct {
	Time       time.Time `json:"time"`
	EventID    string    `json:"event_id"`
	EventType  string    `json:"event_type"`
	Portal     string    `json:"portal"`
	URL        string    `json:"url"`
	KID        string    `json:"kid,omitempty"`
	Status     int       `json:"status"`
	Answer     string    `json:"answer,omitempty"` // the beginning of the portal's answer
	Error      string    `json:"error,omitempty"`
	DurationMS float64   `json:"duration_ms"`
	// Subjects are the identifiers the event is about (certification,
	// access request, SIREN): how a report finds a scenario's deliveries.
	Subjects []string `json:"subjects"`
}

func newPusher(cfg Config, store proconnect.Store, p *portals, now func() time.Time, log *slog.Logger) (*pusher, error) {
	keys, err := newEventKeys(cfg.Fixtures.KeysFor("proconnect"))
	if err != nil {
		return nil, err
	}
	ps := &pusher{issuer: cfg.PublicURL, keys: keys, store: store, portals: p, now: now, log: log,
		attempts: control.NewRing[Attempt](2048),
		http: &http.Client{Timeout: deliveryTimeout, Transport: cfg.HTTPClient.Transport,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	ps.outbox = newDrainer("outbox", workers, batch, log,
		func(ctx context.Context, limit int) ([]proconnect.Event, error) {
			return store.ClaimEvents(ctx, now(), eventLease, limit)
		},
		func(e proconnect.Event) string { return e.ID }, ps.deliver)
	return ps, nil
}

func (p *pusher) wake() { p.outbox.wake() }

// run delivers due events until ctx ends: at once when woken, and every
// 200 ms for retries.
func (p *pusher) run(ctx context.Context) { p.outbox.run(ctx) }

// sign makes the event's JWS for one attempt with the active key, dated
// on real time.
func (p *pusher) sign(e proconnect.Event, aud string) (string, string, error) {
	now := time.Now()
	claims, err := json.Marshal(map[string]any{"iss": p.issuer, "aud": aud, "iat": now.Unix(),
		"exp": now.Add(eventTTL).Unix(), "jti": e.ID, "event_type": e.Type, "data": e.Data})
	if err != nil {
		return "", "", err
	}
	k := p.keys.activeFor(e.PortalID)
	jws, err := k.signer.Sign(claims)
	if err != nil {
		return "", "", err
	}
	raw, err := jws.CompactSerialize()
	return raw, k.kid, err
}

// holdRetry is how soon a held portal's due events are looked at again.
const holdRetry = 100 * time.Millisecond

// hold makes a portal's deliveries wait until release.
func (p *pusher) hold(portal string) { p.held.Store(portal, struct{}{}) }

func (p *pusher) release(portal string) {
	p.held.Delete(portal)
	p.wake()
}

// releaseAll lifts every hold (reset).
func (p *pusher) releaseAll() {
	p.held.Clear()
	p.wake()
}

// deliver makes one attempt and records it.
func (p *pusher) deliver(ctx context.Context, e proconnect.Event) {
	if _, held := p.held.Load(e.PortalID); held {
		e.NextAttempt = p.now().Add(holdRetry) // no attempt counted
		if err := p.store.UpdateEvent(ctx, e); err != nil && ctx.Err() == nil {
			p.log.Error("outbox update", "event", e.ID, "err", err)
		}
		return
	}
	e.Attempts++
	status, err := p.attempt(ctx, e)
	now := p.now()
	e.LastStatus = status
	if err == nil {
		e.DeliveredAt, e.LastError = &now, ""
	} else {
		e.LastError = err.Error()
		e.NextAttempt = now.Add(backoff(e.Attempts))
		if now.Sub(e.CreatedAt) >= proconnect.RetryWindow {
			e.AbandonedAt = &now
			p.log.Warn("event abandoned: the portal never accepted it", "event", e.ID, "portal", e.PortalID,
				"attempts", e.Attempts, "err", err)
		}
	}
	if err := p.store.UpdateEvent(ctx, e); err != nil && ctx.Err() == nil {
		p.log.Error("outbox update", "event", e.ID, "err", err)
	}
}

// answerKept is how much of a portal's answer an attempt keeps.
const answerKept = 300

func (p *pusher) attempt(ctx context.Context, e proconnect.Event) (status int, err error) {
	start := time.Now()
	a := Attempt{Time: start, EventID: e.ID, EventType: e.Type, Portal: e.PortalID, Subjects: subjects(e.Data)}
	defer func() {
		a.Status, a.DurationMS = status, float64(time.Since(start).Microseconds())/1000
		if err != nil {
			a.Error = err.Error()
		}
		p.recordAttempt(ctx, a)
	}()
	portal, ok, err := p.portals.get(ctx, e.PortalID)
	if err != nil {
		return 0, err
	}
	if !ok || portal.EventsURL == "" {
		return 0, errors.New("the portal has no events_url")
	}
	a.URL = portal.EventsURL
	jws, kid, err := p.sign(e, e.PortalID)
	if err != nil {
		return 0, err
	}
	a.KID = kid
	if id, ok := e.Data["certification_id"].(string); ok && id != "" {
		ctx = control.WithFlow(ctx, id) // the portal's journal puts the delivery in the certification's flow
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, portal.EventsURL, strings.NewReader(jws))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", pspevent.ContentType)
	resp, err := p.http.Do(req)
	if err != nil {
		return 0, err
	}
	head, _ := io.ReadAll(io.LimitReader(resp.Body, answerKept))
	a.Answer = strings.ToValidUTF8(strings.TrimSpace(string(head)), "�")
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("the portal answered %d", resp.StatusCode)
	}
	return resp.StatusCode, nil
}

// subjects lists what an event is about, from its data.
func subjects(data map[string]any) []string {
	var out []string
	for _, k := range []string{"certification_id", "access_request_id", "siren"} {
		if s, ok := data[k].(string); ok && s != "" {
			out = append(out, s)
		}
	}
	return out
}

// backoff is 1 s, 2 s, 4 s… capped at 5 min, with up to 20 % jitter.
func backoff(attempts int) time.Duration {
	d := time.Second << min(attempts-1, 20)
	if d > maxBackoff || d <= 0 {
		d = maxBackoff
	}
	return d + time.Duration(rand.Int64N(int64(d)/5+1))
}
