package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
)

// migrations are applied in order, each once: migration i brings the schema
// to version i+1. A released migration is never edited; a change is a new
// one at the end.
var migrations = []string{
	// 1: certifications, outboxes, contact verifications, access requests.
	`CREATE TABLE certifications (
		id TEXT PRIMARY KEY,
		certified BOOLEAN NOT NULL,
		created BIGINT NOT NULL,
		data JSONB NOT NULL
	);
	CREATE INDEX certifications_certified ON certifications(created) WHERE certified;
	CREATE INDEX certifications_siren ON certifications((data->>'siren'));
	CREATE TABLE events (
		id TEXT PRIMARY KEY,
		done BOOLEAN NOT NULL, -- delivered or abandoned
		next_attempt BIGINT NOT NULL,
		created BIGINT NOT NULL,
		data JSONB NOT NULL
	);
	CREATE INDEX events_due ON events(next_attempt) WHERE NOT done;
	CREATE INDEX events_created ON events(created);
	CREATE TABLE mails (
		id TEXT PRIMARY KEY,
		done BOOLEAN NOT NULL, -- sent or abandoned
		next_attempt BIGINT NOT NULL,
		created BIGINT NOT NULL,
		data JSONB NOT NULL
	);
	CREATE INDEX mails_due ON mails(next_attempt) WHERE NOT done;
	CREATE INDEX mails_created ON mails(created);
	CREATE TABLE contact_verifications (
		id TEXT PRIMARY KEY,
		data JSONB NOT NULL
	);
	CREATE TABLE access_requests (
		id TEXT PRIMARY KEY,
		pending_key TEXT NOT NULL,
		pending BOOLEAN NOT NULL,
		expires BIGINT NOT NULL,
		data JSONB NOT NULL
	);
	-- one pending request per portal, company and email, whichever replica
	-- takes the second one
	CREATE UNIQUE INDEX access_one_pending ON access_requests(pending_key) WHERE pending;
	CREATE INDEX access_expiry ON access_requests(expires) WHERE pending;`,
	// 2: what replicas share beyond the domain.
	`CREATE TABLE portals (
		client_id TEXT PRIMARY KEY,
		data BYTEA NOT NULL
	);
	CREATE TABLE web_sessions (
		id TEXT PRIMARY KEY,
		expires BIGINT NOT NULL,
		data BYTEA NOT NULL
	);
	CREATE INDEX web_sessions_expires ON web_sessions(expires);
	CREATE TABLE leases (
		name TEXT PRIMARY KEY,
		until BIGINT NOT NULL
	);`,
	// 3: the control API's state, one for every replica (controlstate.go).
	controlSchema,
}

// migrationLock is the advisory lock key that serialises migrations between
// processes opening the same database ("pcsb" in ASCII).
const migrationLock = 0x70637362

// migrate brings the schema to the last version, in one transaction that
// holds the advisory lock: a replica starting beside another waits, then
// finds the work done.
func migrate(ctx context.Context, pool *pgxpool.Pool) (from, to int, err error) {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return 0, 0, err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLock)); err != nil {
		return 0, 0, err
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`); err != nil {
		return 0, 0, err
	}
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&from); err != nil {
		return 0, 0, err
	}
	if from > len(migrations) {
		return from, from, fmt.Errorf("the database's schema is at version %d, newer than this binary's %d: run a newer binary", from, len(migrations))
	}
	for v := from + 1; v <= len(migrations); v++ {
		if _, err := tx.Exec(ctx, migrations[v-1]); err != nil {
			return from, v - 1, fmt.Errorf("migration %d: %w", v, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations(version) VALUES($1)`, v); err != nil {
			return from, v - 1, err
		}
	}
	return from, len(migrations), tx.Commit(ctx)
}
