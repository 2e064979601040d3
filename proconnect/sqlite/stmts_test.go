package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	msqlite "modernc.org/sqlite"

	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
)

// compiles counts the statements the counting driver compiled: every
// statement database/sql runs goes through Prepare on this driver (its
// connections do not offer to execute text directly).
var compiles atomic.Int64

var registerCounting = sync.OnceFunc(func() { sql.Register("sqlite-counting", countingDriver{&msqlite.Driver{}}) })

type countingDriver struct{ d driver.Driver }

func (c countingDriver) Open(name string) (driver.Conn, error) {
	conn, err := c.d.Open(name)
	if err != nil {
		return nil, err
	}
	return countingConn{conn}, nil
}

type countingConn struct{ c driver.Conn }

func (c countingConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c countingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	compiles.Add(1)
	return c.c.(driver.ConnPrepareContext).PrepareContext(ctx, query)
}

func (c countingConn) Close() error { return c.c.Close() }

func (c countingConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c countingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.c.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

// TestCertificationPathCompilesNothing: once the store is open, a
// certification's whole path in the store (created, read, completed with
// its event, the event claimed and recorded delivered) compiles no
// statement: each runs its program prepared at open. Compiling was most of
// the SQLite store's CPU per certification.
func TestCertificationPathCompilesNothing(t *testing.T) {
	registerCounting()
	s, err := openDriver("sqlite-counting", filepath.Join(t.TempDir(), "core.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	now := time.Now().UTC()
	lifecycle := func(n int) {
		t.Helper()
		c := proconnect.Certification{ID: fmt.Sprint("c", n), PortalID: "p", SIREN: "901001008", Status: proconnect.StatusPending,
			CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := s.CreateCertification(ctx, c); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Certification(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		c.Status, c.Outcome = proconnect.StatusCompleted, proconnect.OutcomeCertified
		if err := s.Complete(ctx, c, proconnect.Event{ID: fmt.Sprint("e", n), PortalID: "p", Type: "t", CreatedAt: now, NextAttempt: now}); err != nil {
			t.Fatal(err)
		}
		due, err := s.ClaimEvents(ctx, now, time.Minute, 8)
		if err != nil || len(due) != 1 {
			t.Fatalf("claimed %d events: %v", len(due), err)
		}
		delivered := now
		due[0].DeliveredAt = &delivered
		if err := s.UpdateEvent(ctx, due[0]); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Certification(ctx, c.ID); err != nil || got.Status != proconnect.StatusCompleted {
			t.Fatalf("after completion: %+v %v", got, err)
		}
	}
	lifecycle(0) // the read pool may open its connections now
	before := compiles.Load()
	for n := 1; n <= 5; n++ {
		lifecycle(n)
	}
	if got := compiles.Load() - before; got != 0 {
		t.Errorf("5 certifications compiled %d statements; want 0 (prepared once at open)", got)
	}
}

// BenchmarkCertificationPath measures one certification's work in the
// SQLite store, as the core does it: created, read at the login link and
// at the callback, completed with its event in one transaction, the event
// claimed and recorded delivered, the certification read by the portal.
func BenchmarkCertificationPath(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "core.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	now := time.Now().UTC()
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		n++
		c := proconnect.Certification{ID: fmt.Sprint("c", n), PortalID: "p", SIREN: "901001008", Status: proconnect.StatusPending,
			CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := s.CreateCertification(ctx, c); err != nil {
			b.Fatal(err)
		}
		for range 2 {
			if _, err := s.Certification(ctx, c.ID); err != nil {
				b.Fatal(err)
			}
		}
		c.Status, c.Outcome = proconnect.StatusCompleted, proconnect.OutcomeCertified
		if err := s.Complete(ctx, c, proconnect.Event{ID: fmt.Sprint("e", n), PortalID: "p", Type: "t", CreatedAt: now, NextAttempt: now}); err != nil {
			b.Fatal(err)
		}
		due, err := s.ClaimEvents(ctx, now, time.Minute, 8)
		if err != nil || len(due) != 1 {
			b.Fatalf("claimed %d events: %v", len(due), err)
		}
		delivered := now
		due[0].DeliveredAt = &delivered
		if err := s.UpdateEvent(ctx, due[0]); err != nil {
			b.Fatal(err)
		}
		if _, err := s.Certification(ctx, c.ID); err != nil {
			b.Fatal(err)
		}
	}
}
