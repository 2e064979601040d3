package sirene

import (
	"net/http"
	"strconv"

	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
)

// The answer to a unit lookup in its default view (no date, no champs) is
// the same bytes until the company changes, and the core reads the same
// few fixture companies again and again: it is rendered once and kept.
// Only the fixtures' companies are kept (with or without a run-time
// change), so that what is kept stays bounded by the fixtures, however
// many synthetic SIRENs are read. An answer is served only while the
// company is still the one it was rendered from: the run-time snapshot
// (nil for the fixtures' own version) is compared on every lookup, so a
// change, its removal or a reset is seen at once.

// unitKey says which answer: the API (private: birth data, nothing
// masked) and masquerValeursNulles.
type unitKey struct {
	siren             string
	private, hideNull bool
}

// renderedUnit is an answer and the company version it was rendered from.
type renderedUnit struct {
	from   *fixtures.Company // the run-time snapshot, nil for the fixtures
	body   []byte
	length []string // Content-Length, shared by every answer (net/http only reads it)
}

// serveRenderedUnit writes the kept answer for siren in view v, if there is
// one for the company as it is now; it returns false otherwise.
func (m *Mock) serveRenderedUnit(w http.ResponseWriter, siren string, v view) bool {
	if v.date != "" || v.champs != nil {
		return false
	}
	e, ok := m.rendered.Load(unitKey{siren, v.private, v.hideNull})
	if !ok {
		return false
	}
	u := e.(*renderedUnit)
	var now *fixtures.Company
	if snap, changed := m.runtime.Load(siren); changed {
		now = snap.(*fixtures.Company)
	}
	if u.from != now {
		return false
	}
	writeRendered(w, u)
	return true
}

// keepRenderedUnit renders answer once more for keeping and writes it,
// when it can be kept (default view, a fixtures' company); it returns
// false, having written nothing, otherwise.
func (m *Mock) keepRenderedUnit(w http.ResponseWriter, siren string, v view, snap *fixtures.Company, from origin, answer object) bool {
	if v.date != "" || v.champs != nil || from == fromSynthetic || (from == fromRuntime && m.set.IsSynthetic(siren)) {
		return false
	}
	body := answer.appendJSON(nil, v.hideNull)
	u := &renderedUnit{from: snap, body: body, length: []string{strconv.Itoa(len(body))}}
	m.rendered.Store(unitKey{siren, v.private, v.hideNull}, u)
	writeRendered(w, u)
	return true
}

func writeRendered(w http.ResponseWriter, u *renderedUnit) {
	h := w.Header()
	h["Content-Type"] = jsonUTF8
	h["Content-Length"] = u.length
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(u.body)
}
