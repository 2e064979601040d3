package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/jackc/pgx/v5"

	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
)

// controlSchema is migration 3: the control API's state (see
// proconnect.ControlState).
//
// control_generation is one row: every change of the control state bumps
// it in the transaction that makes the change, so the row's lock also
// serialises changes, and a replica reads it (one primary-key read, never
// blocked: MVCC) to know whether its copy in memory is current.
//
// control_journal rows are written unnumbered (seq NULL), with no lock: a
// replica's exchange costs one INSERT. A read numbers, under the stream's
// row lock, every row it sees unnumbered: a row committed later gets a
// higher number than any read returned, so a cursor never skips one,
// however the writers' commits interleave (a sequence's order at insert
// time would not give that: a lower number can commit after a higher one
// was read).
const controlSchema = `
	CREATE TABLE control_generation (
		id INTEGER PRIMARY KEY CHECK (id = 1),
		gen BIGINT NOT NULL
	);
	INSERT INTO control_generation(id, gen) VALUES(1, 0);
	CREATE TABLE control_parts (
		name TEXT PRIMARY KEY,
		data BYTEA NOT NULL
	);
	CREATE TABLE control_counters (
		name TEXT PRIMARY KEY,
		remaining BIGINT NOT NULL
	);
	CREATE TABLE control_streams (
		stream TEXT PRIMARY KEY,
		last_seq BIGINT NOT NULL
	);
	CREATE TABLE control_journal (
		id BIGSERIAL PRIMARY KEY,
		stream TEXT NOT NULL,
		seq BIGINT,
		data BYTEA NOT NULL
	);
	CREATE INDEX control_journal_unnumbered ON control_journal(stream, id) WHERE seq IS NULL;
	CREATE INDEX control_journal_numbered ON control_journal(stream, seq) WHERE seq IS NOT NULL;`

// SharedByReplicas: several core processes open one PostgreSQL database.
func (s *Store) SharedByReplicas() bool { return true }

var _ proconnect.Replicated = (*Store)(nil)

func (s *Store) ControlGeneration(ctx context.Context) (int64, error) {
	var gen int64
	err := s.pool.QueryRow(ctx, `SELECT gen FROM control_generation WHERE id = 1`).Scan(&gen)
	return gen, wrap("control generation", err)
}

func (s *Store) ControlParts(ctx context.Context) (int64, map[string][]byte, error) {
	// one statement: the generation and the parts of one snapshot
	rows, err := s.pool.Query(ctx, `SELECT g.gen, p.name, p.data FROM control_generation g LEFT JOIN control_parts p ON true WHERE g.id = 1`)
	if err != nil {
		return 0, nil, wrap("control parts", err)
	}
	defer rows.Close()
	var gen int64
	parts := map[string][]byte{}
	for rows.Next() {
		var name *string
		var data []byte
		if err := rows.Scan(&gen, &name, &data); err != nil {
			return 0, nil, wrap("control parts", err)
		}
		if name != nil {
			parts[*name] = data
		}
	}
	return gen, parts, wrap("control parts", rows.Err())
}

// bumpGeneration takes the generation row's lock for tx and returns the
// new generation.
func bumpGeneration(ctx context.Context, tx pgx.Tx) (int64, error) {
	var gen int64
	err := tx.QueryRow(ctx, `UPDATE control_generation SET gen = gen + 1 WHERE id = 1 RETURNING gen`).Scan(&gen)
	return gen, err
}

func (s *Store) UpdateControlPart(ctx context.Context, name string, update func(old []byte) ([]byte, error)) (int64, error) {
	var gen int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		if gen, err = bumpGeneration(ctx, tx); err != nil {
			return wrap("control part "+name, err)
		}
		var old []byte
		err = tx.QueryRow(ctx, `SELECT data FROM control_parts WHERE name = $1`, name).Scan(&old)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return wrap("control part "+name, err)
		}
		next, err := update(old)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO control_parts(name, data) VALUES($1, $2)
			ON CONFLICT(name) DO UPDATE SET data = excluded.data`, name, next)
		return wrap("control part "+name, err)
	})
	return gen, err
}

func (s *Store) ResetControl(ctx context.Context) (int64, error) {
	var gen int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		if gen, err = bumpGeneration(ctx, tx); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM control_parts; DELETE FROM control_counters`)
		return err
	})
	return gen, wrap("reset control", err)
}

func (s *Store) TakeControlCounter(ctx context.Context, name string, initial int64) (bool, error) {
	if initial < 1 {
		return false, nil
	}
	// the first take inserts what is left after it; a later one takes one
	// only while one is left (the row lock orders concurrent takers)
	tag, err := s.pool.Exec(ctx, `INSERT INTO control_counters(name, remaining) VALUES($1, $2 - 1)
		ON CONFLICT(name) DO UPDATE SET remaining = control_counters.remaining - 1 WHERE control_counters.remaining > 0`, name, initial)
	if err != nil {
		return false, wrap("control counter "+name, err)
	}
	return tag.RowsAffected() == 1, nil
}

func (s *Store) ControlCounters(ctx context.Context) (map[string]int64, error) {
	rows, err := s.pool.Query(ctx, `SELECT name, remaining FROM control_counters`)
	if err != nil {
		return nil, wrap("control counters", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var name string
		var n int64
		if err := rows.Scan(&name, &n); err != nil {
			return nil, wrap("control counters", err)
		}
		out[name] = n
	}
	return out, wrap("control counters", rows.Err())
}

func (s *Store) DeleteControlCounters(ctx context.Context, names []string) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM control_counters WHERE name = ANY($1)`, names)
	return wrap("delete control counters", err)
}

// appends counts this store's journal appends: every numberEvery-th one
// numbers and trims its stream, so that a stream nobody reads stays
// bounded.
const numberEvery = 1024

func (s *Store) AppendControlJournal(ctx context.Context, stream string, data []byte, keep int) error {
	if _, err := s.pool.Exec(ctx, `INSERT INTO control_journal(stream, data) VALUES($1, $2)`, stream, data); err != nil {
		return wrap("control journal "+stream, err)
	}
	if s.appends.Add(1)%numberEvery == 0 {
		_, err := s.numberJournal(ctx, stream, ^uint64(0), keep)
		return err
	}
	return nil
}

func (s *Store) ControlJournal(ctx context.Context, stream string, since uint64, keep int) ([]proconnect.JournalRecord, error) {
	return s.numberJournal(ctx, stream, since, keep)
}

// numberJournal numbers what is unnumbered, keeps the keep newest, and
// returns those after since.
func (s *Store) numberJournal(ctx context.Context, stream string, since uint64, keep int) ([]proconnect.JournalRecord, error) {
	var out []proconnect.JournalRecord
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var last int64
		err := tx.QueryRow(ctx, `INSERT INTO control_streams(stream, last_seq) VALUES($1, 0)
			ON CONFLICT(stream) DO UPDATE SET last_seq = control_streams.last_seq RETURNING last_seq`, stream).Scan(&last)
		if err != nil {
			return err
		}
		// the row lock taken above is held: this statement's snapshot sees
		// every number given before
		tag, err := tx.Exec(ctx, `WITH todo AS (
				SELECT id, row_number() OVER (ORDER BY id) AS n FROM control_journal WHERE stream = $1 AND seq IS NULL)
			UPDATE control_journal j SET seq = $2 + todo.n FROM todo WHERE j.id = todo.id`, stream, last)
		if err != nil {
			return err
		}
		if n := tag.RowsAffected(); n > 0 {
			last += n
			if _, err := tx.Exec(ctx, `UPDATE control_streams SET last_seq = $2 WHERE stream = $1`, stream, last); err != nil {
				return err
			}
			if keep > 0 {
				if _, err := tx.Exec(ctx, `DELETE FROM control_journal WHERE stream = $1 AND seq <= $2`, stream, last-int64(keep)); err != nil {
					return err
				}
			}
		}
		if since >= uint64(last) {
			return nil
		}
		rows, err := tx.Query(ctx, `SELECT seq, data FROM control_journal WHERE stream = $1 AND seq > $2 ORDER BY seq`, stream, int64(since))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r proconnect.JournalRecord
			var seq int64
			if err := rows.Scan(&seq, &r.Data); err != nil {
				return err
			}
			r.Seq = uint64(seq)
			out = append(out, r)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: control journal %s: %w", stream, err)
	}
	return out, nil
}

func (s *Store) ClearControlJournal(ctx context.Context, stream string) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM control_journal WHERE stream = $1`, stream)
	return wrap("clear control journal "+stream, err)
}

// appendCounter is embedded in Store.
type appendCounter = atomic.Uint64
