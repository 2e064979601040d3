package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
)

func (s *Store) AddEvents(ctx context.Context, events []proconnect.Event) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	for _, e := range events {
		if err := insertEvent(ctx, tx, e); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func (s *Store) PortalsForSIREN(ctx context.Context, siren string) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT DISTINCT json_extract(data, '$.portal_id') FROM certifications
		WHERE json_extract(data, '$.siren') = ? AND json_extract(data, '$.status') = 'completed' ORDER BY 1`, siren)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func insertMail(ctx context.Context, x execer, m proconnect.Mail) error {
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	_, err = x.ExecContext(ctx, `INSERT INTO mails(id, sent, next_attempt, created, data) VALUES(?, ?, ?, ?, ?)`,
		m.ID, boolInt(m.Done()), m.NextAttempt.UnixNano(), m.CreatedAt.UnixNano(), data)
	if err != nil {
		return fmt.Errorf("sqlite: insert mail: %w", err)
	}
	return nil
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func (s *Store) AddMail(ctx context.Context, m proconnect.Mail) error {
	return insertMail(ctx, s.w, m)
}

func mails(ctx context.Context, db *sql.DB, query string, args ...any) ([]proconnect.Mail, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	defer rows.Close()
	var out []proconnect.Mail
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			return nil, err
		}
		var m proconnect.Mail
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

func (s *Store) ClaimMails(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]proconnect.Mail, error) {
	until := now.Add(lease)
	out, err := mails(ctx, s.w, `UPDATE mails SET next_attempt = ? WHERE id IN
		(SELECT id FROM mails WHERE sent = 0 AND next_attempt <= ? ORDER BY created LIMIT ?) RETURNING data`,
		until.UnixNano(), now.UnixNano(), limit)
	for i := range out {
		out[i].NextAttempt = until
	}
	slices.SortFunc(out, func(a, b proconnect.Mail) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out, err
}

func (s *Store) UpdateMail(ctx context.Context, m proconnect.Mail) error {
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	res, err := s.w.ExecContext(ctx, `UPDATE mails SET sent = ?, next_attempt = ?, data = ? WHERE id = ?`,
		boolInt(m.Done()), m.NextAttempt.UnixNano(), data, m.ID)
	if err != nil {
		return fmt.Errorf("sqlite: update mail: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return proconnect.ErrNotFound
	}
	return nil
}

func (s *Store) Mails(ctx context.Context, limit int) ([]proconnect.Mail, error) {
	if limit <= 0 {
		limit = 1000
	}
	return mails(ctx, s.r, `SELECT data FROM mails ORDER BY created DESC LIMIT ?`, limit)
}

func (s *Store) CreateContactVerification(ctx context.Context, v proconnect.ContactVerification, m proconnect.Mail) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return s.createWithMail(ctx, m, nil, `INSERT INTO contact_verifications(id, data) VALUES(?, ?) ON CONFLICT(id) DO NOTHING`, v.ID, data)
}

// createWithMail inserts one row and queues its mail in one transaction.
// The insert must say ON CONFLICT DO NOTHING: a row already there is
// ErrConflict, as is any error check returns first (run inside the
// transaction, which holds the write lock from BEGIN: _txlock=immediate).
func (s *Store) createWithMail(ctx context.Context, m proconnect.Mail, check func(*sql.Tx) error, insert string, args ...any) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if check != nil {
		if err := check(tx); err != nil {
			return err
		}
	}
	res, err := tx.ExecContext(ctx, insert, args...)
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return proconnect.ErrConflict
	}
	if err := insertMail(ctx, tx, m); err != nil {
		return err
	}
	return tx.Commit()
}

func (s *Store) ContactVerification(ctx context.Context, id string) (proconnect.ContactVerification, error) {
	return contactFrom(s.r.QueryRowContext(ctx, `SELECT data FROM contact_verifications WHERE id = ?`, id))
}

func contactFrom(row scanner) (proconnect.ContactVerification, error) {
	var data []byte
	var v proconnect.ContactVerification
	if err := row.Scan(&data); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return v, proconnect.ErrNotFound
		}
		return v, fmt.Errorf("sqlite: %w", err)
	}
	return v, json.Unmarshal(data, &v)
}

func (s *Store) UseContactVerification(ctx context.Context, id string, now time.Time) (proconnect.ContactVerification, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return proconnect.ContactVerification{}, fmt.Errorf("sqlite: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	v, err := contactFrom(tx.QueryRowContext(ctx, `SELECT data FROM contact_verifications WHERE id = ?`, id))
	switch {
	case err != nil:
		return v, err
	case v.UsedAt != nil:
		return v, proconnect.ErrConflict
	case now.After(v.ExpiresAt):
		return v, proconnect.ErrExpired
	}
	v.UsedAt = &now
	data, _ := json.Marshal(v)
	if _, err := tx.ExecContext(ctx, `UPDATE contact_verifications SET data = ? WHERE id = ?`, data, id); err != nil {
		return v, fmt.Errorf("sqlite: %w", err)
	}
	return v, tx.Commit()
}

func pendingKey(a proconnect.AccessRequest) string {
	return a.PortalID + "|" + a.SIREN + "|" + strings.ToLower(a.Collaborator.Email)
}

func (s *Store) CreateAccessRequest(ctx context.Context, a proconnect.AccessRequest, m proconnect.Mail) error {
	data, err := json.Marshal(a)
	if err != nil {
		return err
	}
	// No second pending request for the same key may slip in between.
	onePending := func(tx *sql.Tx) error {
		var pending int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM access_requests WHERE pending_key = ? AND pending = 1`,
			pendingKey(a)).Scan(&pending); err != nil {
			return fmt.Errorf("sqlite: %w", err)
		}
		if pending > 0 {
			return proconnect.ErrConflict
		}
		return nil
	}
	return s.createWithMail(ctx, m, onePending, `INSERT INTO access_requests(id, pending_key, pending, expires, data) VALUES(?, ?, ?, ?, ?)
		ON CONFLICT(id) DO NOTHING`, a.ID, pendingKey(a), boolInt(a.Status == proconnect.AccessPending), a.ExpiresAt.UnixNano(), data)
}

func accessFrom(row scanner) (proconnect.AccessRequest, error) {
	var data []byte
	var a proconnect.AccessRequest
	if err := row.Scan(&data); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return a, proconnect.ErrNotFound
		}
		return a, fmt.Errorf("sqlite: %w", err)
	}
	return a, json.Unmarshal(data, &a)
}

func (s *Store) AccessRequest(ctx context.Context, id string) (proconnect.AccessRequest, error) {
	return accessFrom(s.r.QueryRowContext(ctx, `SELECT data FROM access_requests WHERE id = ?`, id))
}

func (s *Store) PendingAccessRequest(ctx context.Context, portalID, siren, email string) (proconnect.AccessRequest, error) {
	key := pendingKey(proconnect.AccessRequest{PortalID: portalID, SIREN: siren, Collaborator: proconnect.Collaborator{Email: email}})
	return accessFrom(s.r.QueryRowContext(ctx, `SELECT data FROM access_requests WHERE pending_key = ? AND pending = 1
		ORDER BY expires DESC LIMIT 1`, key))
}

func (s *Store) DecideAccessRequest(ctx context.Context, a proconnect.AccessRequest, e proconnect.Event) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	old, err := accessFrom(tx.QueryRowContext(ctx, `SELECT data FROM access_requests WHERE id = ?`, a.ID))
	if err != nil {
		return err
	}
	if old.Status != proconnect.AccessPending {
		return proconnect.ErrConflict
	}
	data, _ := json.Marshal(a)
	if _, err := tx.ExecContext(ctx, `UPDATE access_requests SET pending = ?, data = ? WHERE id = ?`,
		boolInt(a.Status == proconnect.AccessPending), data, a.ID); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	if err := insertEvent(ctx, tx, e); err != nil {
		return err
	}
	return tx.Commit()
}

func (s *Store) ExpiredAccessRequests(ctx context.Context, now time.Time) ([]proconnect.AccessRequest, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT data FROM access_requests WHERE pending = 1 AND expires < ?`, now.UnixNano())
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	defer rows.Close()
	var out []proconnect.AccessRequest
	for rows.Next() {
		a, err := accessFrom(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
