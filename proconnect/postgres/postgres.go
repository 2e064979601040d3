package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
)

// Store is a PostgreSQL proconnect.Store.
type Store struct {
	pool *pgxpool.Pool
	// appends counts control journal appends (controlstate.go).
	appends appendCounter
}

var _ proconnect.Store = (*Store)(nil)

// Open connects to the database at url (postgres://…), checks that it
// answers within timeout, and migrates its schema. Its errors are one line
// and never carry the URL's password.
func Open(ctx context.Context, url string, timeout time.Duration) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx quotes the URL it could not parse: say what is wrong without it
		return nil, errors.New("postgres: the database URL is not valid (expected postgres://user:password@host:port/database)")
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	where := fmt.Sprintf("%s:%d/%s", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %s: %s", where, oneLine(err))
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: cannot reach the database %s: %s", where, oneLine(err))
	}
	if _, _, err := migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: schema of %s: %s", where, oneLine(err))
	}
	return &Store{pool: pool}, nil
}

func oneLine(err error) string { return strings.Join(strings.Fields(err.Error()), " ") }

func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

func isUnique(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// decode reads one JSON row of a table.
func decode[T any](row pgx.Row) (T, error) {
	var v T
	var data []byte
	if err := row.Scan(&data); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return v, proconnect.ErrNotFound
		}
		return v, wrap("read", err)
	}
	return v, json.Unmarshal(data, &v)
}

// list reads JSON rows.
func list[T any](ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, query string, args ...any) ([]T, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, wrap("query", err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := decode[T](rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, wrap("query", rows.Err())
}

// inTx runs f in a transaction, committed when f returns nil.
func (s *Store) inTx(ctx context.Context, f func(tx pgx.Tx) error) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return wrap("begin", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	if err := f(tx); err != nil {
		return err
	}
	return wrap("commit", tx.Commit(ctx))
}

func (s *Store) CreateCertification(ctx context.Context, c proconnect.Certification) error {
	data, err := json.Marshal(c)
	if err != nil {
		return err
	}
	tag, err := s.pool.Exec(ctx, `INSERT INTO certifications(id, certified, created, data) VALUES($1, $2, $3, $4) ON CONFLICT(id) DO NOTHING`,
		c.ID, c.Certified(), c.CreatedAt.UnixNano(), data)
	if err != nil {
		return wrap("create certification", err)
	}
	if tag.RowsAffected() == 0 {
		return proconnect.ErrConflict
	}
	return nil
}

func (s *Store) Certification(ctx context.Context, id string) (proconnect.Certification, error) {
	return decode[proconnect.Certification](s.pool.QueryRow(ctx, `SELECT data FROM certifications WHERE id = $1`, id))
}

// transition replaces a certification and queues its event in one
// transaction when check accepts the stored version, which the transaction
// holds (FOR UPDATE): of two replicas completing one certification, the
// second sees the first's result.
func (s *Store) transition(ctx context.Context, c proconnect.Certification, e proconnect.Event, check func(proconnect.Certification) error) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		old, err := decode[proconnect.Certification](tx.QueryRow(ctx, `SELECT data FROM certifications WHERE id = $1 FOR UPDATE`, c.ID))
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
		if _, err := tx.Exec(ctx, `UPDATE certifications SET certified = $1, data = $2 WHERE id = $3`, c.Certified(), data, c.ID); err != nil {
			return wrap("update certification", err)
		}
		return insertEvent(ctx, tx, e)
	})
}

type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

func insertEvent(ctx context.Context, x execer, e proconnect.Event) error {
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	_, err = x.Exec(ctx, `INSERT INTO events(id, done, next_attempt, created, data) VALUES($1, $2, $3, $4, $5)`,
		e.ID, e.Done(), e.NextAttempt.UnixNano(), e.CreatedAt.UnixNano(), data)
	return wrap("insert event", err)
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
	return list[proconnect.Certification](ctx, s.pool, `SELECT data FROM certifications WHERE certified ORDER BY created`)
}

// ClaimEvents claims in one statement; FOR UPDATE SKIP LOCKED lets replicas
// claiming at the same moment each take other rows instead of waiting for,
// then re-reading, the same ones.
func (s *Store) ClaimEvents(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]proconnect.Event, error) {
	until := now.Add(lease)
	out, err := list[proconnect.Event](ctx, s.pool, `UPDATE events SET next_attempt = $1 WHERE id IN
		(SELECT id FROM events WHERE NOT done AND next_attempt <= $2 ORDER BY created LIMIT $3 FOR UPDATE SKIP LOCKED)
		RETURNING data`, until.UnixNano(), now.UnixNano(), limit)
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
	tag, err := s.pool.Exec(ctx, `UPDATE events SET done = $1, next_attempt = $2, data = $3 WHERE id = $4`,
		e.Done(), e.NextAttempt.UnixNano(), data, e.ID)
	if err != nil {
		return wrap("update event", err)
	}
	if tag.RowsAffected() == 0 {
		return proconnect.ErrNotFound
	}
	return nil
}

func (s *Store) Events(ctx context.Context, limit int) ([]proconnect.Event, error) {
	if limit <= 0 {
		limit = 1000
	}
	return list[proconnect.Event](ctx, s.pool, `SELECT data FROM events ORDER BY created DESC, id DESC LIMIT $1`, limit)
}

func (s *Store) AddEvents(ctx context.Context, events []proconnect.Event) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		for _, e := range events {
			if err := insertEvent(ctx, tx, e); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Store) PortalsForSIREN(ctx context.Context, siren string) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT data->>'portal_id' FROM certifications
		WHERE data->>'siren' = $1 AND data->>'status' = 'completed' ORDER BY 1`, siren)
	if err != nil {
		return nil, wrap("portals for siren", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return out, wrap("portals for siren", err)
}

func insertMail(ctx context.Context, x execer, m proconnect.Mail) error {
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	_, err = x.Exec(ctx, `INSERT INTO mails(id, done, next_attempt, created, data) VALUES($1, $2, $3, $4, $5)`,
		m.ID, m.Done(), m.NextAttempt.UnixNano(), m.CreatedAt.UnixNano(), data)
	return wrap("insert mail", err)
}

func (s *Store) AddMail(ctx context.Context, m proconnect.Mail) error {
	return insertMail(ctx, s.pool, m)
}

func (s *Store) ClaimMails(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]proconnect.Mail, error) {
	until := now.Add(lease)
	out, err := list[proconnect.Mail](ctx, s.pool, `UPDATE mails SET next_attempt = $1 WHERE id IN
		(SELECT id FROM mails WHERE NOT done AND next_attempt <= $2 ORDER BY created LIMIT $3 FOR UPDATE SKIP LOCKED)
		RETURNING data`, until.UnixNano(), now.UnixNano(), limit)
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
	tag, err := s.pool.Exec(ctx, `UPDATE mails SET done = $1, next_attempt = $2, data = $3 WHERE id = $4`,
		m.Done(), m.NextAttempt.UnixNano(), data, m.ID)
	if err != nil {
		return wrap("update mail", err)
	}
	if tag.RowsAffected() == 0 {
		return proconnect.ErrNotFound
	}
	return nil
}

func (s *Store) Mails(ctx context.Context, limit int) ([]proconnect.Mail, error) {
	if limit <= 0 {
		limit = 1000
	}
	return list[proconnect.Mail](ctx, s.pool, `SELECT data FROM mails ORDER BY created DESC, id DESC LIMIT $1`, limit)
}

func (s *Store) PurgeOutbox(ctx context.Context, before time.Time) (int, error) {
	total := 0
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		for _, q := range []string{`DELETE FROM events WHERE done AND created < $1`, `DELETE FROM mails WHERE done AND created < $1`} {
			tag, err := tx.Exec(ctx, q, before.UnixNano())
			if err != nil {
				return wrap("purge", err)
			}
			total += int(tag.RowsAffected())
		}
		return nil
	})
	return total, err
}

func (s *Store) CreateContactVerification(ctx context.Context, v proconnect.ContactVerification, m proconnect.Mail) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO contact_verifications(id, data) VALUES($1, $2) ON CONFLICT(id) DO NOTHING`, v.ID, data)
		if err != nil {
			return wrap("create contact verification", err)
		}
		if tag.RowsAffected() == 0 {
			return proconnect.ErrConflict
		}
		return insertMail(ctx, tx, m)
	})
}

func (s *Store) ContactVerification(ctx context.Context, id string) (proconnect.ContactVerification, error) {
	return decode[proconnect.ContactVerification](s.pool.QueryRow(ctx, `SELECT data FROM contact_verifications WHERE id = $1`, id))
}

func (s *Store) UseContactVerification(ctx context.Context, id string, now time.Time) (proconnect.ContactVerification, error) {
	var v proconnect.ContactVerification
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		v, err = decode[proconnect.ContactVerification](tx.QueryRow(ctx, `SELECT data FROM contact_verifications WHERE id = $1 FOR UPDATE`, id))
		switch {
		case err != nil:
			return err
		case v.UsedAt != nil:
			return proconnect.ErrConflict
		case now.After(v.ExpiresAt):
			return proconnect.ErrExpired
		}
		v.UsedAt = &now
		data, _ := json.Marshal(v)
		_, err = tx.Exec(ctx, `UPDATE contact_verifications SET data = $1 WHERE id = $2`, data, id)
		return wrap("use contact verification", err)
	})
	return v, err
}

func pendingKey(portalID, siren, email string) string {
	return portalID + "|" + siren + "|" + strings.ToLower(email)
}

// CreateAccessRequest relies on the partial unique index access_one_pending:
// two replicas inserting the same pending request at once, one fails.
func (s *Store) CreateAccessRequest(ctx context.Context, a proconnect.AccessRequest, m proconnect.Mail) error {
	data, err := json.Marshal(a)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO access_requests(id, pending_key, pending, expires, data) VALUES($1, $2, $3, $4, $5)
			ON CONFLICT DO NOTHING`, a.ID, pendingKey(a.PortalID, a.SIREN, a.Collaborator.Email),
			a.Status == proconnect.AccessPending, a.ExpiresAt.UnixNano(), data)
		if err != nil {
			if isUnique(err) {
				return proconnect.ErrConflict
			}
			return wrap("create access request", err)
		}
		if tag.RowsAffected() == 0 {
			return proconnect.ErrConflict
		}
		return insertMail(ctx, tx, m)
	})
}

func (s *Store) AccessRequest(ctx context.Context, id string) (proconnect.AccessRequest, error) {
	return decode[proconnect.AccessRequest](s.pool.QueryRow(ctx, `SELECT data FROM access_requests WHERE id = $1`, id))
}

func (s *Store) PendingAccessRequest(ctx context.Context, portalID, siren, email string) (proconnect.AccessRequest, error) {
	return decode[proconnect.AccessRequest](s.pool.QueryRow(ctx, `SELECT data FROM access_requests WHERE pending_key = $1 AND pending`,
		pendingKey(portalID, siren, email)))
}

func (s *Store) DecideAccessRequest(ctx context.Context, a proconnect.AccessRequest, e proconnect.Event) error {
	return s.inTx(ctx, func(tx pgx.Tx) error {
		old, err := decode[proconnect.AccessRequest](tx.QueryRow(ctx, `SELECT data FROM access_requests WHERE id = $1 FOR UPDATE`, a.ID))
		if err != nil {
			return err
		}
		if old.Status != proconnect.AccessPending {
			return proconnect.ErrConflict
		}
		data, _ := json.Marshal(a)
		if _, err := tx.Exec(ctx, `UPDATE access_requests SET pending = $1, data = $2 WHERE id = $3`,
			a.Status == proconnect.AccessPending, data, a.ID); err != nil {
			return wrap("decide access request", err)
		}
		return insertEvent(ctx, tx, e)
	})
}

func (s *Store) ExpiredAccessRequests(ctx context.Context, now time.Time) ([]proconnect.AccessRequest, error) {
	return list[proconnect.AccessRequest](ctx, s.pool, `SELECT data FROM access_requests WHERE pending AND expires < $1 ORDER BY expires`, now.UnixNano())
}
