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
