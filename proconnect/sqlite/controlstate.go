package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
)

// controlSchema holds the control API's state (proconnect.ControlState).
// A core on SQLite is one process and keeps that state in its memory; the
// tables are here so that the store passes the same suite as the others.
const controlSchema = `
CREATE TABLE IF NOT EXISTS control_generation (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	gen INTEGER NOT NULL
);
INSERT OR IGNORE INTO control_generation(id, gen) VALUES(1, 0);
CREATE TABLE IF NOT EXISTS control_parts (
	name TEXT PRIMARY KEY,
	data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS control_counters (
	name TEXT PRIMARY KEY,
	remaining INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS control_streams (
	stream TEXT PRIMARY KEY,
	last_seq INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS control_journal (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	stream TEXT NOT NULL,
	seq INTEGER,
	data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS control_journal_stream ON control_journal(stream, seq);
`

func (s *Store) ControlGeneration(ctx context.Context) (int64, error) {
	var gen int64
	if err := s.r.QueryRowContext(ctx, `SELECT gen FROM control_generation WHERE id = 1`).Scan(&gen); err != nil {
		return 0, fmt.Errorf("sqlite: control generation: %w", err)
	}
	return gen, nil
}

func (s *Store) ControlParts(ctx context.Context) (int64, map[string][]byte, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT g.gen, p.name, p.data FROM control_generation g LEFT JOIN control_parts p WHERE g.id = 1`)
	if err != nil {
		return 0, nil, fmt.Errorf("sqlite: control parts: %w", err)
	}
	defer rows.Close()
	var gen int64
	parts := map[string][]byte{}
	for rows.Next() {
		var name sql.NullString
		var data []byte
		if err := rows.Scan(&gen, &name, &data); err != nil {
			return 0, nil, fmt.Errorf("sqlite: control parts: %w", err)
		}
		if name.Valid {
			parts[name.String] = data
		}
	}
	return gen, parts, rows.Err()
}

// inTx runs fn in a write transaction (BEGIN IMMEDIATE: see open).
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

func bump(ctx context.Context, tx *sql.Tx) (int64, error) {
	var gen int64
	err := tx.QueryRowContext(ctx, `UPDATE control_generation SET gen = gen + 1 WHERE id = 1 RETURNING gen`).Scan(&gen)
	return gen, err
}

func (s *Store) UpdateControlPart(ctx context.Context, name string, update func(old []byte) ([]byte, error)) (int64, error) {
	var gen int64
	var failed error
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var old []byte
		err := tx.QueryRowContext(ctx, `SELECT data FROM control_parts WHERE name = ?`, name).Scan(&old)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		next, err := update(old)
		if err != nil {
			failed = err
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO control_parts(name, data) VALUES(?, ?)
			ON CONFLICT(name) DO UPDATE SET data = excluded.data`, name, next); err != nil {
			return err
		}
		gen, err = bump(ctx, tx)
		return err
	})
	if failed != nil {
		return 0, failed
	}
	if err != nil {
		return 0, fmt.Errorf("sqlite: control part %s: %w", name, err)
	}
	return gen, nil
}

func (s *Store) ResetControl(ctx context.Context) (int64, error) {
	var gen int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM control_parts; DELETE FROM control_counters`); err != nil {
			return err
		}
		var err error
		gen, err = bump(ctx, tx)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("sqlite: reset control: %w", err)
	}
	return gen, nil
}

func (s *Store) TakeControlCounter(ctx context.Context, name string, initial int64) (bool, error) {
	if initial < 1 {
		return false, nil
	}
	res, err := s.w.ExecContext(ctx, `INSERT INTO control_counters(name, remaining) VALUES(?, ? - 1)
		ON CONFLICT(name) DO UPDATE SET remaining = remaining - 1 WHERE remaining > 0`, name, initial)
	if err != nil {
		return false, fmt.Errorf("sqlite: control counter %s: %w", name, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func (s *Store) ControlCounters(ctx context.Context) (map[string]int64, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT name, remaining FROM control_counters`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: control counters: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var name string
		var n int64
		if err := rows.Scan(&name, &n); err != nil {
			return nil, err
		}
		out[name] = n
	}
	return out, rows.Err()
}

func (s *Store) DeleteControlCounters(ctx context.Context, names []string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for _, n := range names {
			if _, err := tx.ExecContext(ctx, `DELETE FROM control_counters WHERE name = ?`, n); err != nil {
				return fmt.Errorf("sqlite: delete control counter %s: %w", n, err)
			}
		}
		return nil
	})
}

func (s *Store) AppendControlJournal(ctx context.Context, stream string, data []byte, keep int) error {
	if _, err := s.w.ExecContext(ctx, `INSERT INTO control_journal(stream, data) VALUES(?, ?)`, stream, data); err != nil {
		return fmt.Errorf("sqlite: control journal %s: %w", stream, err)
	}
	return nil
}

func (s *Store) ControlJournal(ctx context.Context, stream string, since uint64, keep int) ([]proconnect.JournalRecord, error) {
	var out []proconnect.JournalRecord
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var last int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO control_streams(stream, last_seq) VALUES(?, 0)
			ON CONFLICT(stream) DO UPDATE SET last_seq = last_seq RETURNING last_seq`, stream).Scan(&last); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `WITH todo AS (
				SELECT id, row_number() OVER (ORDER BY id) AS n FROM control_journal WHERE stream = ? AND seq IS NULL)
			UPDATE control_journal SET seq = ? + (SELECT n FROM todo WHERE todo.id = control_journal.id)
			WHERE id IN (SELECT id FROM todo)`, stream, last)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			last += n
			if _, err := tx.ExecContext(ctx, `UPDATE control_streams SET last_seq = ? WHERE stream = ?`, last, stream); err != nil {
				return err
			}
			if keep > 0 {
				if _, err := tx.ExecContext(ctx, `DELETE FROM control_journal WHERE stream = ? AND seq <= ?`, stream, last-int64(keep)); err != nil {
					return err
				}
			}
		}
		rows, err := tx.QueryContext(ctx, `SELECT seq, data FROM control_journal WHERE stream = ? AND seq > ? ORDER BY seq`, stream, int64(min(since, 1<<62)))
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
		return nil, fmt.Errorf("sqlite: control journal %s: %w", stream, err)
	}
	return out, nil
}

func (s *Store) ClearControlJournal(ctx context.Context, stream string) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM control_journal WHERE stream = ?`, stream); err != nil {
		return fmt.Errorf("sqlite: clear control journal %s: %w", stream, err)
	}
	return nil
}
