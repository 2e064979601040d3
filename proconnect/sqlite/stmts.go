package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// The statements every certification runs, prepared once when the store
// opens: modernc.org/sqlite compiles a statement's text on every call
// otherwise (its parser and code generator cost more than the query), and
// a prepared statement keeps its compiled program between calls.
const (
	insertCertificationSQL = `INSERT INTO certifications(id, certified, created, data) VALUES(?, ?, ?, ?) ON CONFLICT(id) DO NOTHING`
	selectCertificationSQL = `SELECT data FROM certifications WHERE id = ?`
	updateCertificationSQL = `UPDATE certifications SET certified = ?, data = ? WHERE id = ?`
	insertEventSQL         = `INSERT INTO events(id, delivered, next_attempt, created, data) VALUES(?, ?, ?, ?, ?)`
	claimEventsSQL         = `UPDATE events SET next_attempt = ? WHERE id IN
		(SELECT id FROM events WHERE delivered = 0 AND next_attempt <= ? ORDER BY created LIMIT ?) RETURNING data`
	updateEventSQL = `UPDATE events SET delivered = ?, next_attempt = ?, data = ? WHERE id = ?`
)

// queries runs statements on db, through the ones prepared at open when
// the text is one of them (any other text is compiled for its call, as
// database/sql does). Its methods are those of *sql.DB it replaces.
//
// The statements are prepared before any call: preparing later on the
// writer, whose pool holds one connection, would wait for that connection
// from inside a transaction that holds it. In a transaction (in), a
// statement already prepared on the transaction's connection is reused by
// database/sql, not compiled again.
type queries struct {
	db    *sql.DB
	stmts map[string]*sql.Stmt // read-only after prepareQueries
}

func prepareQueries(ctx context.Context, db *sql.DB, texts ...string) (*queries, error) {
	q := &queries{db: db, stmts: make(map[string]*sql.Stmt, len(texts))}
	for _, text := range texts {
		st, err := db.PrepareContext(ctx, text)
		if err != nil {
			_ = q.close()
			return nil, fmt.Errorf("sqlite: prepare %q: %w", text, err)
		}
		q.stmts[text] = st
	}
	return q, nil
}

func (q *queries) close() error {
	var errs []error
	for _, st := range q.stmts {
		errs = append(errs, st.Close())
	}
	return errors.Join(errs...)
}

func (q *queries) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := q.stmts[query]; st != nil {
		return st.ExecContext(ctx, args...)
	}
	return q.db.ExecContext(ctx, query, args...)
}

func (q *queries) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := q.stmts[query]; st != nil {
		return st.QueryContext(ctx, args...)
	}
	return q.db.QueryContext(ctx, query, args...)
}

func (q *queries) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := q.stmts[query]; st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return q.db.QueryRowContext(ctx, query, args...)
}

// in runs the statements in tx, which must be a transaction of q's db.
func (q *queries) in(tx *sql.Tx) txQueries { return txQueries{tx: tx, q: q} }

// txQueries is queries in one transaction.
type txQueries struct {
	tx *sql.Tx
	q  *queries
}

func (t txQueries) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := t.q.stmts[query]; st != nil {
		return t.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, query, args...)
}

func (t txQueries) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := t.q.stmts[query]; st != nil {
		return t.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, query, args...)
}
