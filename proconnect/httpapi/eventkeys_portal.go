package httpapi

import "errors"

// A portal of a shared sandbox rotates the key its own events are signed
// with (portal contract PSP-CLE-2) without changing the key every other
// portal's events are signed with: the new key is published in the one
// JWKS, after the keys already there, so another portal sees one key more
// in the set and nothing else.

// activeFor is the key that signs a portal's events: the one it rotated
// to, or the core's.
func (ks *eventKeys) activeFor(portal string) *eventKey {
	if k, ok := ks.byPortal.Load(portal); ok {
		return k.(*eventKey)
	}
	return ks.current().active
}

// rotateFor makes the key after the portal's current one sign its events,
// publishes it if it was not, and returns its kid. With a single key it
// fails.
func (ks *eventKeys) rotateFor(portal string) (string, error) {
	ks.mu.Lock()
	defer ks.mu.Unlock()
	if len(ks.all) < 2 {
		return "", errors.New("the fixtures hold a single proconnect key: nothing to rotate to")
	}
	cur := ks.activeFor(portal)
	next := ks.all[0]
	for i, k := range ks.all {
		if k == cur {
			next = ks.all[(i+1)%len(ks.all)]
		}
	}
	ks.byPortal.Store(portal, next)
	r := ks.current()
	for _, k := range r.published {
		if k == next {
			return next.kid, nil
		}
	}
	return next.kid, ks.set(r.active, append(r.published[1:len(r.published):len(r.published)], next))
}

// resetFor signs the portal's events with the core's key again; what was
// published stays published (an event signed before may still arrive).
func (ks *eventKeys) resetFor(portal string) string {
	ks.byPortal.Delete(portal)
	return ks.current().active.kid
}
