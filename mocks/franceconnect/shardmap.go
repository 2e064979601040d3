package franceconnect

import "sync"

// shardedMap is a map split into shards, each under its own mutex: no
// lock is global, and an entry costs a slot in a Go map rather than
// sync.Map's trie nodes and boxed key (about 60 bytes an entry; a flow
// keeps a code and a token: issue 14).
type shardedMap[K mapKey, V any] struct {
	shards [64]mapShard[K, V]
}

// mapKey is a key that picks its own shard.
type mapKey interface {
	comparable
	shardOf() uint32
}

type mapShard[K mapKey, V any] struct {
	mu sync.Mutex
	m  map[K]V
	// peak is the most entries m held since it was made: a Go map never
	// gives back its buckets, so DeleteIf makes a smaller one once most
	// are gone (issue 14: after a burst, the empty room was about 60
	// bytes per flow of the burst, for good).
	peak int
}

func (s *shardedMap[K, V]) shard(k K) *mapShard[K, V] {
	return &s.shards[k.shardOf()%uint32(len(s.shards))]
}

func (s *shardedMap[K, V]) Load(k K) (V, bool) {
	sh := s.shard(k)
	sh.mu.Lock()
	v, ok := sh.m[k]
	sh.mu.Unlock()
	return v, ok
}

func (s *shardedMap[K, V]) Store(k K, v V) {
	sh := s.shard(k)
	sh.mu.Lock()
	if sh.m == nil {
		sh.m = make(map[K]V)
	}
	sh.m[k] = v
	sh.peak = max(sh.peak, len(sh.m))
	sh.mu.Unlock()
}

func (s *shardedMap[K, V]) Delete(k K) {
	sh := s.shard(k)
	sh.mu.Lock()
	delete(sh.m, k)
	sh.mu.Unlock()
}

func (s *shardedMap[K, V]) LoadAndDelete(k K) (V, bool) {
	sh := s.shard(k)
	sh.mu.Lock()
	v, ok := sh.m[k]
	delete(sh.m, k)
	sh.mu.Unlock()
	return v, ok
}

// DeleteIf deletes the entries drop says so of, one shard at a time. drop
// must not use this map.
func (s *shardedMap[K, V]) DeleteIf(drop func(k K, v V) bool) {
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		for k, v := range sh.m {
			if drop(k, v) {
				delete(sh.m, k)
			}
		}
		sh.shrink()
		sh.mu.Unlock()
	}
}

// shrink starts a new map when the shard holds less than a quarter of its
// peak (none at all: no map), so that a burst of flows does not leave its
// buckets behind. The copy costs a fraction of the deletions before it.
func (sh *mapShard[K, V]) shrink() {
	switch n := len(sh.m); {
	case n == 0:
		sh.m, sh.peak = nil, 0
	case n < sh.peak/4:
		m := make(map[K]V, n)
		for k, v := range sh.m {
			m[k] = v
		}
		sh.m, sh.peak = m, n
	}
}

// Len returns the number of entries.
func (s *shardedMap[K, V]) Len() int {
	n := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		n += len(sh.m)
		sh.mu.Unlock()
	}
	return n
}

func (s *shardedMap[K, V]) Clear() {
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		sh.m, sh.peak = nil, 0
		sh.mu.Unlock()
	}
}
