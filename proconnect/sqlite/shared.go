package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
)

// sharedSchema holds what replicas share (proconnect.SharedState). SQLite
// serves one process (the --data folder is locked), yet the state lives
// here too: a restart keeps run-time portal registrations and browsers'
// sessions.
const sharedSchema = `
CREATE TABLE IF NOT EXISTS portals (
	client_id TEXT PRIMARY KEY,
	data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS web_sessions (
	id TEXT PRIMARY KEY,
	expires INTEGER NOT NULL,
	data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS web_sessions_expires ON web_sessions(expires);
CREATE TABLE IF NOT EXISTS leases (
	name TEXT PRIMARY KEY,
	until INTEGER NOT NULL
);
`

func (s *Store) PutPortal(ctx context.Context, clientID string, registration []byte) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO portals(client_id, data) VALUES(?, ?)
		ON CONFLICT(client_id) DO UPDATE SET data = excluded.data`, clientID, registration)
	if err != nil {
		return fmt.Errorf("sqlite: put portal: %w", err)
	}
	return nil
}

func (s *Store) Portal(ctx context.Context, clientID string) ([]byte, error) {
	var data []byte
	err := s.r.QueryRowContext(ctx, `SELECT data FROM portals WHERE client_id = ?`, clientID).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, proconnect.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: portal: %w", err)
	}
	return data, nil
}

func (s *Store) ResetPortals(ctx context.Context) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM portals`); err != nil {
		return fmt.Errorf("sqlite: reset portals: %w", err)
	}
	return nil
}

func (s *Store) PutWebSession(ctx context.Context, ws proconnect.WebSession) error {
	res, err := s.w.ExecContext(ctx, `INSERT INTO web_sessions(id, expires, data) VALUES(?, ?, ?) ON CONFLICT(id) DO NOTHING`,
		ws.ID, ws.ExpiresAt.UnixNano(), ws.Data)
	if err != nil {
		return fmt.Errorf("sqlite: put web session: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return proconnect.ErrConflict
	}
	return nil
}

func webSessionFrom(row scanner, id string) (proconnect.WebSession, error) {
	ws := proconnect.WebSession{ID: id}
	var expires int64
	if err := row.Scan(&expires, &ws.Data); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return ws, proconnect.ErrNotFound
		}
		return ws, fmt.Errorf("sqlite: web session: %w", err)
	}
	ws.ExpiresAt = time.Unix(0, expires).UTC()
	return ws, nil
}

func (s *Store) WebSession(ctx context.Context, id string) (proconnect.WebSession, error) {
	return webSessionFrom(s.r.QueryRowContext(ctx, `SELECT expires, data FROM web_sessions WHERE id = ?`, id), id)
}

func (s *Store) TakeWebSession(ctx context.Context, id string) (proconnect.WebSession, error) {
	return webSessionFrom(s.w.QueryRowContext(ctx, `DELETE FROM web_sessions WHERE id = ? RETURNING expires, data`, id), id)
}

func (s *Store) DeleteWebSession(ctx context.Context, id string) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM web_sessions WHERE id = ?`, id); err != nil {
		return fmt.Errorf("sqlite: delete web session: %w", err)
	}
	return nil
}

func (s *Store) PurgeWebSessions(ctx context.Context, before time.Time) (int, error) {
	res, err := s.w.ExecContext(ctx, `DELETE FROM web_sessions WHERE expires < ?`, before.UnixNano())
	if err != nil {
		return 0, fmt.Errorf("sqlite: purge web sessions: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

func (s *Store) TryLease(ctx context.Context, name string, now, until time.Time) (bool, error) {
	res, err := s.w.ExecContext(ctx, `INSERT INTO leases(name, until) VALUES(?, ?)
		ON CONFLICT(name) DO UPDATE SET until = excluded.until WHERE leases.until <= ?`, name, until.UnixNano(), now.UnixNano())
	if err != nil {
		return false, fmt.Errorf("sqlite: lease %s: %w", name, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}
