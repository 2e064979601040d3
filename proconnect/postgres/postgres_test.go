package postgres_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect/postgres"
	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect/postgres/pgtest"
	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect/storetest"
)

func open(t *testing.T, url string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), url, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) proconnect.Store {
		return open(t, pgtest.URL(t, "the store suite"))
	})
}

// TestReplicasStartingTogether: stores opening one empty database at once
// (replicas starting together) migrate it once, and all work.
func TestReplicasStartingTogether(t *testing.T) {
	url := pgtest.URL(t, "concurrent migrations")
	var wg sync.WaitGroup
	stores := make([]*postgres.Store, 4)
	errs := make([]error, 4)
	for i := range stores {
		wg.Go(func() { stores[i], errs[i] = postgres.Open(context.Background(), url, 10*time.Second) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("replica %d: %v", i, err)
		}
		defer stores[i].Close()
	}
	ctx := context.Background()
	if err := stores[0].PutPortal(ctx, "p", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if got, err := stores[3].Portal(ctx, "p"); err != nil || string(got) != "x" {
		t.Fatalf("another replica reads %q %v", got, err)
	}
	// a restart finds the schema at its version and changes nothing
	again := open(t, url)
	defer again.Close()
	if got, err := again.Portal(ctx, "p"); err != nil || string(got) != "x" {
		t.Fatalf("after a restart: %q %v", got, err)
	}
}

// TestOpenErrors: a bad URL or an unreachable server is one clear line,
// without the password.
func TestOpenErrors(t *testing.T) {
	for _, tc := range []struct{ name, url, want string }{
		{"not a URL", "postgres://u:secret@host:notaport/db", "the database URL is not valid"},
		{"nobody listens", "postgres://u:secret@127.0.0.1:1/db?connect_timeout=2", "cannot reach the database 127.0.0.1:1/db"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := postgres.Open(context.Background(), tc.url, 3*time.Second)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %q, want one line with %q and no password", err, tc.want)
			}
		})
	}
}
