// Package paris gives the Europe/Paris time zone, the zone of the times
// people read on the sandbox's pages, without the system's zone files (the
// FROM-scratch image has none). It embeds that one zone (3 KB, the IANA
// tz database's file as Debian's tzdata ships it; the database is in the
// public domain) instead of the standard library's time/tzdata, which
// embeds every zone of the world (about 450 KB of the binary).
package paris

import (
	_ "embed"
	"sync"
	"time"
)

//go:embed europe-paris.tzif
var tzif []byte

// Location returns Europe/Paris. The embedded data is checked by the
// package's test; UTC is only a guard.
var Location = sync.OnceValue(func() *time.Location {
	loc, err := time.LoadLocationFromTZData("Europe/Paris", tzif)
	if err != nil {
		return time.UTC
	}
	return loc
})
