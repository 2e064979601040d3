package franceconnect

import (
	"strings"
	"sync"
	"sync/atomic"
)

// internTable keeps one shared value per key for the many entries that
// live long with the same value (a flow's code or token), instead of a
// copy each (issue 14). Keys are few in practice; past a limit of distinct
// keys, callers get a value of their own.
type internTable[K comparable, V any] struct {
	m sync.Map // K → V
	n atomic.Int32
}

// intern returns the value shared under k, which callers must not change,
// made by fresh the first time; past limit keys, fresh's value, unshared.
func (t *internTable[K, V]) intern(k K, limit int32, fresh func() V) V {
	if v, ok := t.m.Load(k); ok {
		return v.(V)
	}
	v := fresh()
	if t.n.Load() >= limit {
		return v
	}
	shared, loaded := t.m.LoadOrStore(k, v)
	if !loaded {
		t.n.Add(1)
	}
	return shared.(V)
}

// clear forgets every value.
func (t *internTable[K, V]) clear() {
	t.m.Clear()
	t.n.Store(0)
}

// scopeLists interns the granted scope lists kept with access tokens: the
// tokens of one list share one slice (and its strings). Lists are few (the
// clients' scopes, in the order they asked them); past maxScopeLists
// distinct lists, a list is kept as its own copy.
type scopeLists struct {
	internTable[string, []string] // the list joined by spaces → the list
}

const maxScopeLists = 1024

// intern returns the shared copy of list, with its own strings, sharing no
// request's.
func (l *scopeLists) intern(list []string) []string {
	key := strings.Join(list, " ")
	return l.internTable.intern(key, maxScopeLists, func() []string { return strings.Fields(key) })
}

// stringTable interns strings kept by many entries, such as the redirect
// URI of every code: a loopback client may use any port, so the client's
// registered list does not hold them all. Past maxScopeLists distinct
// strings, a string is copied on its own.
type stringTable struct {
	internTable[string, string]
}

// intern returns the table's copy of s, which shares no request's memory.
func (t *stringTable) intern(s string) string {
	return t.internTable.intern(s, maxScopeLists, func() string { return strings.Clone(s) })
}
