package mailbox_test

import (
	"context"
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/internal/testserver"
)

// BenchmarkDeepMessage is the time to the answer to a message nested 8,000
// multipart levels deep (450 KB), over SMTP. Run with -benchtime 1x.
func BenchmarkDeepMessage(b *testing.B) {
	addr, _ := testserver.Mailbox(b)
	msg := nested(8000)
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		_ = send(context.Background(), addr, msg)
	}
}

// BenchmarkManyParts is the time to take a message of 1,000 text parts of
// 9 KB (the most parts a message may have, near the SMTP size limit), over
// SMTP.
func BenchmarkManyParts(b *testing.B) {
	addr, _ := testserver.Mailbox(b)
	msg := siblings(1000, 9000)
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if err := send(context.Background(), addr, msg); err != nil {
			b.Fatal(err)
		}
	}
}
