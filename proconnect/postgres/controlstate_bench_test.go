package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect/postgres"
	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect/postgres/pgtest"
)

func openBench(b *testing.B) *postgres.Store {
	b.Helper()
	s, err := postgres.Open(context.Background(), pgtest.URL(b, "the control state's cost per request"), 10*time.Second)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	return s
}

// BenchmarkControlGeneration measures what every request to a core
// replica pays to know that its control state is current: one read of
// the generation row. Run with -cpu 2.
func BenchmarkControlGeneration(b *testing.B) {
	s := openBench(b)
	ctx := context.Background()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.ControlGeneration(ctx); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkControlJournalAppend measures what every journalled exchange
// of a core replica pays: one INSERT of its entry (about 400 bytes of
// JSON), with a numbering of the stream every 1,024. Run with -cpu 2.
func BenchmarkControlJournalAppend(b *testing.B) {
	s := openBench(b)
	ctx := context.Background()
	entry := []byte(`{"seq":0,"time":"2026-12-02T08:00:00Z","component":"proconnect","method":"POST","path":"/api/v1/certifications","status":201,` +
		`"duration_ms":1.25,"location":"","scenario":"portail/01-integration.feature:12","client":"portail-demo","flow":"","from":"portal","link":"a1b2c3d4"}`)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := s.AppendControlJournal(ctx, "journal", entry, 4096); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
