package franceconnect

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/ory/fosite"
)

// liveHeap returns the live heap after two collections.
func liveHeap() int64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

// TestSweepGivesBackABurst: once a burst of tokens has expired, the store
// is back to what the survivors need, with nothing per token of the burst
// left (issue 14: a Go map keeps its buckets, about 60 bytes per flow of
// the burst, unless the sweep makes a new one).
func TestSweepGivesBackABurst(t *testing.T) {
	const burst, survivors = 20_000, 64
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	client := &fosite.DefaultClient{ID: "sandbox-fs"}
	s := &store{now: func(string) time.Time { return now }, codeTTL: CodeTTL, accessTTL: AccessTokenTTL}
	ctx := context.Background()
	issue := func(i int) {
		r := fosite.NewAccessRequest(&session{Subject: "sub"})
		r.ID, r.Client = fmt.Sprintf("req-%d", i), client
		r.GrantScope("openid")
		if err := s.CreateAccessTokenSession(ctx, fmt.Sprintf("token-%032d", i), r); err != nil {
			t.Fatal(err)
		}
		if i%1000 == 0 {
			_ = s.RevokeAccessToken(ctx, r.ID)
		}
	}
	before := liveHeap()
	for i := range burst {
		issue(i)
	}
	start := now
	now = now.Add(AccessTokenTTL / 2) // the survivors outlive the burst
	for i := range survivors {
		issue(burst + 1 + i)
	}
	during := liveHeap()
	s.sweep(start.Add(AccessTokenTTL + time.Second))
	after := liveHeap()
	if n := s.access.Len(); n != survivors {
		t.Fatalf("%d tokens left, want the %d that have not expired", n, survivors)
	}
	if n := s.revoked.Len(); n != 0 {
		t.Errorf("%d revocation marks left after the burst's tokens expired", n)
	}
	perToken := float64(during-before) / burst
	left := float64(after-before) / burst
	t.Logf("live heap: %.0f B per token during the burst, %.1f B per token of the burst after the sweep", perToken, left)
	if left > 4 {
		t.Errorf("after the sweep, %.1f B per token of the burst still live (%.0f B during it)", left, perToken)
	}
	runtime.KeepAlive(s)
}

// TestGrantedScopesShared: tokens of the same granted list share one
// slice, and the store never hands out a list a caller could change under
// another token.
func TestGrantedScopesShared(t *testing.T) {
	var l scopeLists
	a := l.intern([]string{"openid", "email"})
	b := l.intern(slices.Clone(a))
	if &a[0] != &b[0] {
		t.Error("two tokens of the same list keep two copies")
	}
	if c := l.intern([]string{"email", "openid"}); slices.Equal(c, a) {
		t.Errorf("another order gave %v", c)
	}
	for i := range maxScopeLists + 10 {
		got := l.intern([]string{"openid", fmt.Sprint(i)})
		if !slices.Equal(got, []string{"openid", fmt.Sprint(i)}) {
			t.Fatalf("list %d came back as %v", i, got)
		}
	}
	if n := l.n.Load(); n > maxScopeLists {
		t.Errorf("%d lists interned, more than %d", n, maxScopeLists)
	}
}
