package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
)

func (s *Store) PutPortal(ctx context.Context, clientID string, registration []byte) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO portals(client_id, data) VALUES($1, $2)
		ON CONFLICT(client_id) DO UPDATE SET data = excluded.data`, clientID, registration)
	return wrap("put portal", err)
}

func (s *Store) Portal(ctx context.Context, clientID string) ([]byte, error) {
	var data []byte
	err := s.pool.QueryRow(ctx, `SELECT data FROM portals WHERE client_id = $1`, clientID).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, proconnect.ErrNotFound
	}
	return data, wrap("portal", err)
}

func (s *Store) ResetPortals(ctx context.Context) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM portals`)
	return wrap("reset portals", err)
}

func (s *Store) PutWebSession(ctx context.Context, ws proconnect.WebSession) error {
	tag, err := s.pool.Exec(ctx, `INSERT INTO web_sessions(id, expires, data) VALUES($1, $2, $3) ON CONFLICT(id) DO NOTHING`,
		ws.ID, ws.ExpiresAt.UnixNano(), ws.Data)
	if err != nil {
		return wrap("put web session", err)
	}
	if tag.RowsAffected() == 0 {
		return proconnect.ErrConflict
	}
	return nil
}

func webSessionFrom(row pgx.Row, id string) (proconnect.WebSession, error) {
	ws := proconnect.WebSession{ID: id}
	var expires int64
	if err := row.Scan(&expires, &ws.Data); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return ws, proconnect.ErrNotFound
		}
		return ws, wrap("web session", err)
	}
	ws.ExpiresAt = time.Unix(0, expires).UTC()
	return ws, nil
}

func (s *Store) WebSession(ctx context.Context, id string) (proconnect.WebSession, error) {
	return webSessionFrom(s.pool.QueryRow(ctx, `SELECT expires, data FROM web_sessions WHERE id = $1`, id), id)
}

// TakeWebSession deletes and returns in one statement: of two replicas
// taking one flow, the second finds no row.
func (s *Store) TakeWebSession(ctx context.Context, id string) (proconnect.WebSession, error) {
	return webSessionFrom(s.pool.QueryRow(ctx, `DELETE FROM web_sessions WHERE id = $1 RETURNING expires, data`, id), id)
}

func (s *Store) DeleteWebSession(ctx context.Context, id string) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM web_sessions WHERE id = $1`, id)
	return wrap("delete web session", err)
}

func (s *Store) PurgeWebSessions(ctx context.Context, before time.Time) (int, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM web_sessions WHERE expires < $1`, before.UnixNano())
	if err != nil {
		return 0, wrap("purge web sessions", err)
	}
	return int(tag.RowsAffected()), nil
}

// TryLease is one upsert: the row is written only when free, and the
// primary key makes racing first inserts conflict, so one caller wins.
func (s *Store) TryLease(ctx context.Context, name string, now, until time.Time) (bool, error) {
	tag, err := s.pool.Exec(ctx, `INSERT INTO leases(name, until) VALUES($1, $2)
		ON CONFLICT(name) DO UPDATE SET until = excluded.until WHERE leases.until <= $3`, name, until.UnixNano(), now.UnixNano())
	if err != nil {
		return false, wrap("lease "+name, err)
	}
	return tag.RowsAffected() == 1, nil
}
