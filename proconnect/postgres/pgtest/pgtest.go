// Package pgtest gives a test a PostgreSQL schema of its own on the server
// that PROCONNECT_SANDBOX_TEST_POSTGRES names (.ci/run starts one and sets
// it). It never fakes PostgreSQL: without the variable, a test is skipped
// saying what it did not test, or fails under CI=true, where the database is
// part of the run.
package pgtest

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL names the variable holding the test server's URL (postgres://…).
const EnvURL = "PROCONNECT_SANDBOX_TEST_POSTGRES"

// URL returns the URL of a new, empty schema (its search_path set in the
// URL), dropped when the test ends. what says what the test covers, for
// the skip message.
func URL(t testing.TB, what string) string {
	t.Helper()
	base := os.Getenv(EnvURL)
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set: under CI=true PostgreSQL is required (%s)", EnvURL, what)
		}
		t.Skipf("not tested on PostgreSQL: %s (set %s=postgres://… to a server this test may create schemas on)", what, EnvURL)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", EnvURL, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("%s: %v", EnvURL, err)
	}
	defer conn.Close(ctx)
	// lower-case hex: the same name quoted or not, in SQL and in search_path
	schema := "t_" + hex.EncodeToString(binary.BigEndian.AppendUint64(nil, rand.Uint64()))
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if conn, err := pgx.Connect(ctx, base); err == nil {
			_, _ = conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
			_ = conn.Close(ctx)
		}
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
