package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Several replicas of one component (the core, behind one URL) must answer
// alike after a control call, whichever replica took it. A kit shared with
// its replicas (Kit.Share) keeps its control state in a Backend (the
// core's store) as named parts (the clock, the portals' clocks, the
// faults, and what the component registers: holds, keys), each also held
// in memory where the request path reads it as before, lock-free:
//
//   - a control call changes a part in the backend, in one transaction that
//     bumps the backend's generation, and answers once it is committed;
//   - the parts are reloaded when the backend's generation moved; a
//     replica serving requests reads the generation every pollEvery (Poll),
//     and a change answers only staleBound after its commit: a request
//     that comes in less than staleBound after the start of a completed
//     poll is served on what that poll read, which came after the commit
//     of any change answered before the request; past that bound (a
//     replica idle, or its poller late) the request reads the generation
//     itself. Either way the request after a 2xx control call sees its
//     effect, on every replica, and a busy replica's requests do not each
//     pay a read;
//   - a fault's count is consumed from a counter in the backend, so that
//     "the next 2 calls" means two across replicas;
//   - the journal is one stream in the backend: each exchange is appended
//     before its answer ends, and a read numbers entries once for all
//     replicas (see proconnect.ControlState).
//
// A kit not shared (one process: up, memory or SQLite) keeps everything in
// memory and never calls a backend.

// Backend is where replicas keep the control state they share
// (proconnect.ControlState under another name, so that this package does
// not depend on the core's).
type Backend interface {
	ControlGeneration(ctx context.Context) (int64, error)
	ControlParts(ctx context.Context) (int64, map[string][]byte, error)
	UpdateControlPart(ctx context.Context, name string, update func(old []byte) ([]byte, error)) (int64, error)
	ResetControl(ctx context.Context) (int64, error)
	TakeControlCounter(ctx context.Context, name string, initial int64) (bool, error)
	ControlCounters(ctx context.Context) (map[string]int64, error)
	AppendControlJournal(ctx context.Context, stream string, data []byte, keep int) error
	// ReadControlJournal returns the records after since, oldest first,
	// numbered once for every replica.
	ReadControlJournal(ctx context.Context, stream string, since uint64, keep int) ([]Record, error)
	ClearControlJournal(ctx context.Context, stream string) error
}

// Record is one entry of a journal stream in a Backend.
type Record struct {
	Seq  uint64
	Data []byte
}

// Part is a piece of control state replicas share: Snapshot encodes what
// this replica holds, Restore replaces it (nil: the state at start).
type Part interface {
	Snapshot() ([]byte, error)
	Restore(data []byte) error
}

// Replicas is a kit's link to its replicas' shared control state.
type Replicas struct {
	b     Backend
	log   *slog.Logger
	gen   atomic.Int64 // the generation the parts in memory are at; -1: unknown
	mu    sync.Mutex   // serialises reloads and changes on this replica
	parts map[string]Part

	// times on the monotonic clock, in ns since start
	start   time.Time
	fresh   atomic.Int64 // the start of the latest completed read of the generation
	lastReq atomic.Int64 // the latest request
	wake    chan struct{}
}

// The freshness bounds (see the package comment above): a replica reads
// the generation every pollEvery while it served a request in the last
// pollIdle; a change answers staleBound after its commit.
const (
	pollEvery  = 5 * time.Millisecond
	staleBound = 25 * time.Millisecond
	pollIdle   = 2 * time.Second
)

// Journal streams in a Backend, and how many entries each keeps.
const (
	journalStream = "journal"
	journalKept   = 4096
)

// Share makes the kit's control state one for every replica of its
// component that shares b, and returns the link, on which the component
// registers its own parts (Register) and makes its own changes (Change).
// Call it before serving.
func (k *Kit) Share(b Backend) *Replicas {
	r := &Replicas{b: b, log: k.logger(), parts: map[string]Part{}, start: time.Now(), wake: make(chan struct{}, 1)}
	r.gen.Store(-1)
	r.parts["clock"] = clockPart{k.Clock}
	if k.PortalClock != nil {
		r.parts["portal-clocks"] = portalClocksPart{k.PortalClock}
	}
	r.parts["faults"] = faultsPart{k.Faults}
	k.Faults.take1 = func(ctx context.Context, f *Fault) (bool, error) {
		// not the request's context: a client that goes away must not leave
		// the count half-taken; bounded all the same
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		ok, err := b.TakeControlCounter(ctx, faultCounter(f.ID), f.Count)
		if err != nil {
			r.log.Error("control: a fault's count", "fault", f.ID, "err", err)
		}
		return ok, err
	}
	k.Replicas = r
	return r
}

func faultCounter(id uint64) string { return "fault:" + strconv.FormatUint(id, 10) }

// Register adds a part of the component's own under name.
func (r *Replicas) Register(name string, p Part) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.parts[name] = p
	r.gen.Store(-1)
}

// Refresh brings the parts in memory to the backend's generation as a
// request needs it: nothing when a read started less than staleBound ago
// completed (Poll), else one read now, and a reload of every part when
// the generation moved.
func (r *Replicas) Refresh(ctx context.Context) error {
	if r == nil {
		return nil
	}
	now := r.now()
	if now-r.lastReq.Load() > int64(pollEvery) {
		r.lastReq.Store(now) // not on every request: one cache line for all
	}
	return r.sync(ctx, now)
}

// Sync is Refresh for background work (the outbox's workers, periodic
// jobs): it does not keep the poller awake, which is for requests.
func (r *Replicas) Sync(ctx context.Context) error {
	if r == nil {
		return nil
	}
	return r.sync(ctx, r.now())
}

func (r *Replicas) sync(ctx context.Context, now int64) error {
	if f := r.fresh.Load(); f > 0 && now-f < int64(staleBound) {
		return nil
	}
	select {
	case r.wake <- struct{}{}: // an idle poller starts again
	default:
	}
	return r.read(ctx)
}

func (r *Replicas) now() int64 { return int64(time.Since(r.start)) }

// Poll reads the generation every pollEvery until ctx ends, while the
// replica serves requests; idle, it waits for the next one.
func (r *Replicas) Poll(ctx context.Context) {
	t := time.NewTicker(pollEvery)
	defer t.Stop()
	for {
		if r.now()-r.lastReq.Load() > int64(pollIdle) {
			select {
			case <-ctx.Done():
				return
			case <-r.wake:
			}
		} else {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
		if err := r.read(ctx); err != nil && ctx.Err() == nil {
			r.log.Warn("control: the replicas' control state could not be read", "err", err)
		}
	}
}

// read reads the generation, reloads the parts if it moved, and then
// marks the state fresh as of the read's start.
func (r *Replicas) read(ctx context.Context) error {
	started := r.now()
	gen, err := r.b.ControlGeneration(ctx)
	if err != nil {
		return err
	}
	if gen != r.gen.Load() {
		if err := r.reload(ctx); err != nil {
			return err
		}
	}
	for {
		f := r.fresh.Load()
		if f >= started || r.fresh.CompareAndSwap(f, started) {
			return nil
		}
	}
}

// settle waits staleBound after a change's commit, so that every replica's
// next request is served on a state read after it (see Refresh).
func settle(ctx context.Context) {
	select {
	case <-ctx.Done():
	case <-time.After(staleBound):
	}
}

func (r *Replicas) reload(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	gen, parts, err := r.b.ControlParts(ctx)
	if err != nil {
		return err
	}
	if gen == r.gen.Load() {
		return nil // another request reloaded it meanwhile
	}
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(r.parts)) {
		if err := r.parts[name].Restore(parts[name]); err != nil {
			errs = append(errs, fmt.Errorf("control part %s: %w", name, err))
		}
	}
	if len(errs) == 0 {
		r.gen.Store(gen)
	}
	return errors.Join(errs...)
}

// Change runs change on the part name for every replica: on the part as
// the backend holds it, in the backend's transaction, so that no change of
// another replica comes in between; its error (a refused change) leaves
// the part as it was and is returned. On a nil Replicas (a component not
// shared) it only runs change.
func (r *Replicas) Change(ctx context.Context, name string, change func() error) error {
	if r == nil {
		return change()
	}
	r.mu.Lock()
	p, ok := r.parts[name]
	if !ok {
		r.mu.Unlock()
		return fmt.Errorf("control: no part %s", name)
	}
	_, err := r.b.UpdateControlPart(ctx, name, func(old []byte) ([]byte, error) {
		if err := p.Restore(old); err != nil {
			return nil, err
		}
		if err := change(); err != nil {
			return nil, err
		}
		return p.Snapshot()
	})
	// the part in memory may be ahead of, or behind, the backend's; the
	// next read reloads every part (others' changes too)
	r.gen.Store(-1)
	r.fresh.Store(0)
	r.mu.Unlock()
	if err == nil {
		settle(ctx)
	}
	return err
}

// markStale makes the next request read the shared state again: after a
// reset's local clears, which may have wiped what a reload brought in
// meanwhile (another replica's change during the reset's settling).
func (r *Replicas) markStale() {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.gen.Store(-1)
	r.fresh.Store(0)
	r.mu.Unlock()
}

// reset forgets the shared state and the journal of exchanges, and puts
// every part back at its start (the component's own journals, such as the
// core's delivery attempts, stay, as they do in memory).
func (r *Replicas) reset(ctx context.Context) error {
	r.mu.Lock()
	_, err := r.b.ResetControl(ctx)
	r.gen.Store(-1)
	r.fresh.Store(0)
	r.mu.Unlock()
	if err != nil {
		return err
	}
	if err := r.b.ClearControlJournal(ctx, journalStream); err != nil {
		return err
	}
	settle(ctx)
	return nil
}

// Journal returns the journal as every replica wrote it: entries numbered
// after since that keep keeps (nil keeps all), the limit newest of them
// (0: all), oldest first, details masked.
func (r *Replicas) journal(ctx context.Context, limit int, since uint64, keep func(Entry) bool) ([]Entry, error) {
	recs, err := r.b.ReadControlJournal(ctx, journalStream, since, journalKept)
	if err != nil {
		return nil, err
	}
	out := make([]Entry, 0, len(recs))
	for _, rec := range recs {
		var s sharedEntry
		if err := json.Unmarshal(rec.Data, &s); err != nil {
			continue // written by another version: not this reader's to show
		}
		e := s.entry()
		e.Seq = rec.Seq
		if keep == nil || keep(e) {
			out = append(out, e)
		}
	}
	if limit > 0 && len(out) > limit {
		out = out[len(out)-limit:]
	}
	return maskAll(out), nil
}

// appendEntry writes an exchange to the shared journal: before the
// answer ends, so that a reader after it finds it (whatever replica it
// asks).
func (r *Replicas) appendEntry(ctx context.Context, e Entry) {
	b, err := json.Marshal(newSharedEntry(e))
	if err == nil {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		err = r.b.AppendControlJournal(ctx, journalStream, b, journalKept)
	}
	if err != nil {
		r.log.Error("control: journal entry not shared", "path", e.Path, "err", err)
	}
}

// Stream is a journal of the component's own in the backend, one for
// every replica (the core's delivery attempts): items appended by any
// replica, read under one numbering.
type Stream[T any] struct {
	r    *Replicas
	name string
	keep int
}

// NewStream returns the stream name, keeping its keep newest items.
func NewStream[T any](r *Replicas, name string, keep int) *Stream[T] {
	return &Stream[T]{r: r, name: name, keep: keep}
}

// Add appends v.
func (s *Stream[T]) Add(ctx context.Context, v T) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return s.r.b.AppendControlJournal(ctx, s.name, b, s.keep)
}

// Last returns the items numbered after since that keep keeps (nil keeps
// all), oldest first.
func (s *Stream[T]) Last(ctx context.Context, since uint64, keep func(T) bool) ([]T, error) {
	recs, err := s.r.b.ReadControlJournal(ctx, s.name, since, s.keep)
	if err != nil {
		return nil, err
	}
	out := make([]T, 0, len(recs))
	for _, rec := range recs {
		var v T
		if json.Unmarshal(rec.Data, &v) == nil && (keep == nil || keep(v)) {
			out = append(out, v)
		}
	}
	return out, nil
}

// sharedEntry is an Entry as the shared journal stores it: with its
// exchange's details unmasked (masked when read, as in memory).
type sharedEntry struct {
	Entry
	Raw *sharedRaw `json:"raw,omitempty"`
}

type sharedRaw struct {
	ReqHeader   http.Header `json:"req_header,omitempty"`
	RespHeader  http.Header `json:"resp_header,omitempty"`
	ReqBody     []byte      `json:"req_body,omitempty"`
	RespBody    []byte      `json:"resp_body,omitempty"`
	ReqSize     int         `json:"req_size,omitempty"`
	RespSize    int         `json:"resp_size,omitempty"`
	ReqBodySeen bool        `json:"req_body_seen,omitempty"`
}

func newSharedEntry(e Entry) sharedEntry {
	s := sharedEntry{Entry: e}
	if raw := e.raw; raw != nil {
		s.Raw = &sharedRaw{ReqHeader: raw.reqHeader.header(), RespHeader: raw.respHeader.header(), ReqBody: raw.reqBody, RespBody: raw.respBody,
			ReqSize: raw.reqSize, RespSize: raw.respSize, ReqBodySeen: raw.reqBodySeen}
	}
	return s
}

func (s sharedEntry) entry() Entry {
	e := s.Entry
	if raw := s.Raw; raw != nil {
		e.raw = &rawExchange{reqHeader: packHeader(raw.ReqHeader), respHeader: packHeader(raw.RespHeader), reqBody: raw.ReqBody, respBody: raw.RespBody,
			reqSize: raw.ReqSize, respSize: raw.RespSize, reqBodySeen: raw.ReqBodySeen}
	}
	return e
}

// clockPart shares a clock's offset.
type clockPart struct{ c *Clock }

func (p clockPart) Snapshot() ([]byte, error) {
	return []byte(strconv.FormatInt(int64(p.c.Offset()), 10)), nil
}

func (p clockPart) Restore(data []byte) error {
	if data == nil {
		p.c.Reset()
		return nil
	}
	n, err := strconv.ParseInt(string(data), 10, 64)
	if err != nil || n < 0 || time.Duration(n) > MaxOffset {
		return fmt.Errorf("clock offset %q", data)
	}
	p.c.offset.Store(n)
	return nil
}

// portalClocksPart shares the portals' offsets.
type portalClocksPart struct{ p *PortalClocks }

func (p portalClocksPart) Snapshot() ([]byte, error) {
	offsets := map[string]int64{}
	p.p.clocks.Range(func(k, c any) bool {
		if o := c.(*Clock).Offset(); o != 0 {
			offsets[k.(string)] = int64(o)
		}
		return true
	})
	return json.Marshal(offsets)
}

func (p portalClocksPart) Restore(data []byte) error {
	offsets := map[string]int64{}
	if data != nil {
		if err := json.Unmarshal(data, &offsets); err != nil {
			return err
		}
	}
	// set the portals named, then drop the others: a reader meanwhile
	// sees each portal's old or new offset, never a missing clock
	for portal, o := range offsets {
		if o >= 0 && time.Duration(o) <= MaxOffset {
			p.p.For(portal).offset.Store(o)
		}
	}
	p.p.clocks.Range(func(k, c any) bool {
		if _, ok := offsets[k.(string)]; !ok {
			c.(*Clock).Reset()
		}
		return true
	})
	return nil
}

// faultsPart shares the fault list; what is left of each fault's count is
// in the backend's counters (Faults.take1).
type faultsPart struct{ q *Faults }

type faultsSnapshot struct {
	Next   uint64          `json:"next"`
	Faults []faultSnapshot `json:"faults"`
}

type faultSnapshot struct {
	ID          uint64 `json:"id"`
	Method      string `json:"method,omitempty"`
	Path        string `json:"path"`
	ClientID    string `json:"client_id,omitempty"`
	Status      int    `json:"status,omitempty"`
	Body        string `json:"body,omitempty"`
	ContentType string `json:"content_type,omitempty"`
	Delay       int64  `json:"delay,omitempty"`
	Count       int64  `json:"count"`
}

func (p faultsPart) Snapshot() ([]byte, error) {
	s := faultsSnapshot{Next: p.q.ids.Load()}
	if cur := p.q.list.Load(); cur != nil {
		for _, f := range *cur {
			s.Faults = append(s.Faults, faultSnapshot{ID: f.ID, Method: f.Method, Path: f.Path, ClientID: f.ClientID,
				Status: f.Status, Body: f.Body, ContentType: f.ContentType, Delay: int64(f.Delay), Count: f.Count})
		}
	}
	return json.Marshal(s)
}

func (p faultsPart) Restore(data []byte) error {
	var s faultsSnapshot
	if data != nil {
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
	}
	q := p.q
	q.mu.Lock()
	defer q.mu.Unlock()
	// a fault this replica holds keeps its object (and what it knows of
	// its count); a new one starts with its whole count, the backend's
	// counter saying what is really left
	known := map[uint64]*Fault{}
	if cur := q.list.Load(); cur != nil {
		for _, f := range *cur {
			known[f.ID] = f
		}
	}
	var next []*Fault
	for _, fs := range s.Faults {
		f, ok := known[fs.ID]
		if ok && (f.Method != fs.Method || f.Path != fs.Path || f.ClientID != fs.ClientID || f.Status != fs.Status ||
			f.Body != fs.Body || f.ContentType != fs.ContentType || f.Delay != time.Duration(fs.Delay) || f.Count != fs.Count) {
			ok = false // the same ID for another fault (IDs of a replica that missed a reset)
		}
		if !ok {
			f = &Fault{ID: fs.ID, Method: fs.Method, Path: fs.Path, ClientID: fs.ClientID, Status: fs.Status, Body: fs.Body,
				ContentType: fs.ContentType, Delay: time.Duration(fs.Delay), Count: fs.Count}
			if f.Delay > 0 {
				f.DelayText = f.Delay.String()
			}
			f.left.Store(fs.Count)
		}
		next = append(next, f)
	}
	if next == nil {
		q.list.Store(nil)
	} else {
		q.list.Store(&next)
	}
	// IDs never go back, not even at a reset (Restore(nil)): a replica
	// that missed the reset must not take a new fault for one it still
	// holds under the same ID, nor its counter (fault:<id>)
	for {
		cur := q.ids.Load()
		if s.Next <= cur || q.ids.CompareAndSwap(cur, s.Next) {
			break
		}
	}
	return nil
}

// syncFaultCounts sets what is left of each fault from the backend's
// counters (the faults' list shows it).
func (r *Replicas) syncFaultCounts(ctx context.Context, q *Faults) error {
	counters, err := r.b.ControlCounters(ctx)
	if err != nil {
		return err
	}
	if cur := q.list.Load(); cur != nil {
		for _, f := range *cur {
			if n, ok := counters[faultCounter(f.ID)]; ok {
				f.left.Store(n)
			}
		}
	}
	return nil
}
