// Package sqlite is the durable Store of the ProConnect core, on an embedded
// SQLite database (modernc.org/sqlite: no cgo, so the static binary and the
// scratch image keep working). Certifications, the identity kept for
// re-checks and the event outbox survive a restart.
package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"time"

	_ "modernc.org/sqlite" // the database/sql driver

	"github.com/proconnect-sandbox/proconnect-sandbox/internal/filelock"
	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
)

// Store is a SQLite proconnect.Store.
//
// Writes go through one connection, w: SQLite takes one writer at a time
// anyway, and a single connection queues writers in Go instead of leaving
// them to SQLite's busy loop. Reads go through a pool of their own, r, so a
// read never waits behind writes (WAL lets readers run beside the writer).
//
// The statements of a certification's path go through wq and rq, prepared
// once (stmts.go).
type Store struct {
	w, r   *sql.DB
	wq, rq *queries
	lock   *filelock.Lock
}

var _ proconnect.Store = (*Store)(nil)

const schema = `
CREATE TABLE IF NOT EXISTS certifications (
	id TEXT PRIMARY KEY,
	certified INTEGER NOT NULL,
	created INTEGER NOT NULL,
	data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS certifications_certified ON certifications(certified);
CREATE TABLE IF NOT EXISTS events (
	id TEXT PRIMARY KEY,
	delivered INTEGER NOT NULL, -- 1 once done: delivered or abandoned
	next_attempt INTEGER NOT NULL,
	created INTEGER NOT NULL,
	data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS events_due ON events(delivered, next_attempt);
CREATE TABLE IF NOT EXISTS mails (
	id TEXT PRIMARY KEY,
	sent INTEGER NOT NULL, -- 1 once done: sent or abandoned
	next_attempt INTEGER NOT NULL,
	created INTEGER NOT NULL,
	data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS mails_due ON mails(sent, next_attempt);
CREATE TABLE IF NOT EXISTS contact_verifications (
	id TEXT PRIMARY KEY,
	data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS access_requests (
	id TEXT PRIMARY KEY,
	pending_key TEXT,
	pending INTEGER NOT NULL,
	expires INTEGER NOT NULL,
	data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS access_pending ON access_requests(pending_key, pending);
`

// Open opens (or creates) the database at path, for this process alone: it
// returns a *filelock.HeldError when another process has it open (both
// would send the outbox).
func Open(path string) (*Store, error) {
	lock, err := filelock.Acquire(path + ".lock")
	if err != nil {
		return nil, err
	}
	s, err := open(path)
	if err != nil {
		_ = lock.Release()
		return nil, err
	}
	s.lock = lock
	return s, nil
}

func open(path string) (*Store, error) { return openDriver("sqlite", path) }

// openDriver opens the database with the database/sql driver registered as
// driverName (modernc.org/sqlite's "sqlite"; a test wraps it).
func openDriver(driverName, path string) (*Store, error) {
	// _txlock=immediate: a transaction that reads then writes takes the write
	// lock at BEGIN; deferred, its upgrade fails at once with SQLITE_BUSY in
	// WAL mode, whatever the busy timeout.
	w, err := sql.Open(driverName, "file:"+path+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	if _, err := w.Exec(schema + sharedSchema + controlSchema); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: schema: %w", err)
	}
	r, err := sql.Open(driverName, "file:"+path+"?_pragma=busy_timeout(5000)&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	r.SetMaxOpenConns(readers)
	r.SetMaxIdleConns(readers)
	ctx := context.Background()
	wq, err := prepareQueries(ctx, w, insertCertificationSQL, selectCertificationSQL, updateCertificationSQL, insertEventSQL,
		claimEventsSQL, updateEventSQL)
	if err != nil {
		r.Close()
		w.Close()
		return nil, err
	}
	rq, err := prepareQueries(ctx, r, selectCertificationSQL)
	if err != nil {
		_ = wq.close()
		r.Close()
		w.Close()
		return nil, err
	}
	return &Store{w: w, r: r, wq: wq, rq: rq}, nil
}

// readers is the size of the read pool.
var readers = max(4, 2*runtime.GOMAXPROCS(0))

func (s *Store) Close() error {
	err := errors.Join(s.rq.close(), s.wq.close(), s.r.Close(), s.w.Close())
	if lerr := s.lock.Release(); err == nil {
		err = lerr
	}
	return err
}

func certified(c proconnect.Certification) int {
	if c.Certified() {
		return 1
	}
	return 0
}

func (s *Store) CreateCertification(ctx context.Context, c proconnect.Certification) error {
	data, err := json.Marshal(c)
	if err != nil {
		return err
	}
	res, err := s.wq.ExecContext(ctx, insertCertificationSQL, c.ID, certified(c), c.CreatedAt.UnixNano(), data)
	if err != nil {
		return fmt.Errorf("sqlite: create certification: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return proconnect.ErrConflict
	}
	return nil
}

func (s *Store) Certification(ctx context.Context, id string) (proconnect.Certification, error) {
	return certificationFrom(s.rq.QueryRowContext(ctx, selectCertificationSQL, id))
}

type scanner interface{ Scan(...any) error }

func certificationFrom(row scanner) (proconnect.Certification, error) {
	var data []byte
	var c proconnect.Certification
	if err := row.Scan(&data); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return c, proconnect.ErrNotFound
		}
		return c, fmt.Errorf("sqlite: %w", err)
	}
	return c, json.Unmarshal(data, &c)
}

// transition replaces a certification and queues an event in one transaction
// when check accepts the stored version.
func (s *Store) transition(ctx context.Context, c proconnect.Certification, e proconnect.Event, check func(proconnect.Certification) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	q := s.wq.in(tx)
	old, err := certificationFrom(q.QueryRowContext(ctx, selectCertificationSQL, c.ID))
	if err != nil {
		return err
	}
	if err := check(old); err != nil {
		return err
	}
	data, err := json.Marshal(c)
	if err != nil {
		return err
	}
	if _, err := q.ExecContext(ctx, updateCertificationSQL, certified(c), data, c.ID); err != nil {
		return fmt.Errorf("sqlite: update certification: %w", err)
	}
	if err := insertEvent(ctx, q, e); err != nil {
		return err
	}
	return tx.Commit()
}

func insertEvent(ctx context.Context, tx execer, e proconnect.Event) error {
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, insertEventSQL, e.ID, boolInt(e.Done()), e.NextAttempt.UnixNano(), e.CreatedAt.UnixNano(), data)
	if err != nil {
		return fmt.Errorf("sqlite: insert event: %w", err)
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (s *Store) Complete(ctx context.Context, c proconnect.Certification, e proconnect.Event) error {
	return s.transition(ctx, c, e, func(old proconnect.Certification) error {
		if old.Status == proconnect.StatusCompleted {
			return proconnect.ErrAlreadyComplete
		}
		return nil
	})
}

func (s *Store) Revoke(ctx context.Context, c proconnect.Certification, e proconnect.Event) error {
	return s.transition(ctx, c, e, func(old proconnect.Certification) error {
		if old.RevokedAt != nil {
			return proconnect.ErrConflict
		}
		return nil
	})
}

func (s *Store) Certified(ctx context.Context) ([]proconnect.Certification, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT data FROM certifications WHERE certified = 1 ORDER BY created`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	defer rows.Close()
	var out []proconnect.Certification
	for rows.Next() {
		c, err := certificationFrom(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// querier is *sql.DB or queries.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func events(ctx context.Context, db querier, query string, args ...any) ([]proconnect.Event, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	defer rows.Close()
	var out []proconnect.Event
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			return nil, err
		}
		var e proconnect.Event
		if err := json.Unmarshal(data, &e); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// ClaimEvents claims in one statement: two drainers never take the same
// event.
func (s *Store) ClaimEvents(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]proconnect.Event, error) {
	until := now.Add(lease)
	out, err := events(ctx, s.wq, claimEventsSQL, until.UnixNano(), now.UnixNano(), limit)
	for i := range out {
		out[i].NextAttempt = until
	}
	slices.SortFunc(out, func(a, b proconnect.Event) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out, err
}

func (s *Store) UpdateEvent(ctx context.Context, e proconnect.Event) error {
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	res, err := s.wq.ExecContext(ctx, updateEventSQL, boolInt(e.Done()), e.NextAttempt.UnixNano(), data, e.ID)
	if err != nil {
		return fmt.Errorf("sqlite: update event: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return proconnect.ErrNotFound
	}
	return nil
}

func (s *Store) PurgeOutbox(ctx context.Context, before time.Time) (int, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("sqlite: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	total := 0
	for _, q := range []string{`DELETE FROM events WHERE delivered = 1 AND created < ?`, `DELETE FROM mails WHERE sent = 1 AND created < ?`} {
		res, err := tx.ExecContext(ctx, q, before.UnixNano())
		if err != nil {
			return 0, fmt.Errorf("sqlite: purge: %w", err)
		}
		n, _ := res.RowsAffected()
		total += int(n)
	}
	return total, tx.Commit()
}

func (s *Store) Events(ctx context.Context, limit int) ([]proconnect.Event, error) {
	if limit <= 0 {
		limit = 1000
	}
	return events(ctx, s.r, `SELECT data FROM events ORDER BY created DESC LIMIT ?`, limit)
}
