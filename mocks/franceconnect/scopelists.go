package franceconnect

import (
	"strings"
	"sync"
	"sync/atomic"
)

// scopeLists interns the granted scope lists kept with access tokens: the
// tokens of one list share one slice (and its strings) instead of each
// keeping its own copy for its lifetime (issue 14). Lists are few (the
// clients' scopes, in the order they asked them); past maxScopeLists
// distinct lists, a list is kept as given.
type scopeLists struct {
	lists sync.Map // the list joined by spaces → []string
	n     atomic.Int32
}

const maxScopeLists = 1024

// intern returns the shared copy of list, which callers must not change.
func (l *scopeLists) intern(list []string) []string {
	key := strings.Join(list, " ")
	if shared, ok := l.lists.Load(key); ok {
		return shared.([]string)
	}
	if l.n.Load() >= maxScopeLists {
		return list
	}
	// its own strings, sharing no request's
	shared, loaded := l.lists.LoadOrStore(key, strings.Fields(key))
	if !loaded {
		l.n.Add(1)
	}
	return shared.([]string)
}

// clear forgets every list.
func (l *scopeLists) clear() {
	l.lists.Clear()
	l.n.Store(0)
}

// stringTable interns strings kept for a long time by many entries, such as
// the redirect URI of every code: a loopback client may use any port, so
// the client's registered list does not hold them all. Past maxScopeLists
// distinct strings, a string is copied on its own.
type stringTable struct {
	strs sync.Map // string → the same string, owned by the table
	n    atomic.Int32
}

// intern returns the table's copy of s, which shares no request's memory.
func (t *stringTable) intern(s string) string {
	if shared, ok := t.strs.Load(s); ok {
		return shared.(string)
	}
	own := strings.Clone(s)
	if t.n.Load() >= maxScopeLists {
		return own
	}
	shared, loaded := t.strs.LoadOrStore(own, own)
	if !loaded {
		t.n.Add(1)
	}
	return shared.(string)
}

// clear forgets every string.
func (t *stringTable) clear() {
	t.strs.Clear()
	t.n.Store(0)
}
