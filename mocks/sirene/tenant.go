package sirene

import (
	"net/http"
	"strings"
)

// portalCalls lets a portal's control token (a shared sandbox) change the
// register's synthetic companies only: each SIREN outside the fixtures is a
// company of its own that a scenario picks at random, where the fixtures'
// companies are every team's. Reading a company is allowed too.
func (m *Mock) portalCalls(r *http.Request) bool {
	rest, ok := strings.CutPrefix(r.URL.Path, "/__sandbox/companies/")
	if !ok {
		return false
	}
	siren, _, _ := strings.Cut(rest, "/")
	return m.set.IsSynthetic(siren)
}
