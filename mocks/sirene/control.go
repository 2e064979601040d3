package sirene

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/proconnect-sandbox/proconnect-sandbox/control"
	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
	"github.com/proconnect-sandbox/proconnect-sandbox/insee"
	"github.com/proconnect-sandbox/proconnect-sandbox/problem"
)

// controlRoutes lets scenarios change the register under a portal: add or
// replace a company, make it cease, add a dirigeant, make one leave.
func (m *Mock) controlRoutes(r chi.Router) {
	r.Get("/companies/{siren}", func(w http.ResponseWriter, r *http.Request) {
		c, from, ok := m.company(chi.URLParam(r, "siren"))
		if !ok {
			noCompany(w)
			return
		}
		control.JSON(w, http.StatusOK, map[string]any{"origin": from, "company": c})
	})
	r.Put("/companies/{siren}", func(w http.ResponseWriter, r *http.Request) {
		siren := chi.URLParam(r, "siren")
		var c fixtures.Company
		if !control.DecodeJSON(w, r, &c) {
			return
		}
		if c.SIREN == "" {
			c.SIREN = siren
		}
		if c.SIREN != siren || !insee.ValidSIREN(siren) {
			problem.Write(w, http.StatusBadRequest, "invalid-company", "Invalid company", "The SIREN of the path and of the body must be the same valid SIREN.", nil)
			return
		}
		if err := m.set.CheckCompany(&c); err != nil {
			problem.Write(w, http.StatusBadRequest, "invalid-company", "Invalid company", err.Error(), nil)
			return
		}
		m.edit.Lock()
		m.runtime.Store(siren, &c)
		m.edit.Unlock()
		control.JSON(w, http.StatusOK, map[string]any{"origin": fromRuntime, "company": c})
	})
	r.Delete("/companies/{siren}", func(w http.ResponseWriter, r *http.Request) {
		if _, ok := m.runtime.LoadAndDelete(chi.URLParam(r, "siren")); !ok {
			problem.Write(w, http.StatusNotFound, "no-change", "Nothing to undo", "This SIREN has no run-time change.", nil)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	r.Post("/companies/{siren}/cease", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Date string `json:"date"`
		}
		if !control.DecodeJSON(w, r, &body) {
			return
		}
		if body.Date == "" {
			body.Date = m.kit.Clock.Now().Format(time.DateOnly)
		}
		day, err := time.Parse(time.DateOnly, body.Date)
		if err != nil {
			problem.Write(w, http.StatusBadRequest, "invalid-date", "Invalid date", `"date" must be YYYY-MM-DD.`, nil)
			return
		}
		c, err := m.change(chi.URLParam(r, "siren"), func(c *fixtures.Company) error {
			cur := current(*c)
			if cur.Etat == "C" {
				return errors.New("the company has already ceased")
			}
			for i := range c.Unit.Periodes {
				if c.Unit.Periodes[i].DateFin == "" {
					c.Unit.Periodes[i].DateFin = day.AddDate(0, 0, -1).Format(time.DateOnly)
				}
			}
			cur.DateDebut, cur.DateFin, cur.Etat = body.Date, "", "C"
			c.Unit.Periodes = append([]fixtures.Period{cur}, c.Unit.Periodes...)
			return nil
		})
		m.answerChange(w, c, err)
	})
	r.Post("/companies/{siren}/dirigeants", func(w http.ResponseWriter, r *http.Request) {
		var d fixtures.Dirigeant
		if !control.DecodeJSON(w, r, &d) {
			return
		}
		c, err := m.change(chi.URLParam(r, "siren"), func(c *fixtures.Company) error {
			c.Dirigeants = append(c.Dirigeants, d)
			return nil
		})
		m.answerChange(w, c, err)
	})
	// leave: the dirigeant n (1-based, in register order) stays listed with
	// actif false; DELETE removes the pouvoir altogether.
	r.Post("/companies/{siren}/dirigeants/{n}/leave", m.editDirigeant(func(c *fixtures.Company, i int) {
		f := false
		c.Dirigeants[i].Actif = &f
	}))
	r.Delete("/companies/{siren}/dirigeants/{n}", m.editDirigeant(func(c *fixtures.Company, i int) {
		c.Dirigeants = append(c.Dirigeants[:i], c.Dirigeants[i+1:]...)
	}))
	r.Put("/companies/{siren}/contact-email", m.contactPut)
	r.Delete("/companies/{siren}/contact-email", m.contactDelete)
}

func (m *Mock) editDirigeant(f func(c *fixtures.Company, i int)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(chi.URLParam(r, "n"))
		c, cerr := m.change(chi.URLParam(r, "siren"), func(c *fixtures.Company) error {
			if err != nil || n < 1 || n > len(c.Dirigeants) {
				return errors.New("no dirigeant with that number (1 to the number of pouvoirs)")
			}
			f(c, n-1)
			return nil
		})
		m.answerChange(w, c, cerr)
	}
}

func (m *Mock) answerChange(w http.ResponseWriter, c fixtures.Company, err error) {
	switch {
	case errors.Is(err, errNoCompany):
		noCompany(w)
	case err != nil:
		problem.Write(w, http.StatusBadRequest, "invalid-change", "Invalid change", err.Error(), nil)
	default:
		control.JSON(w, http.StatusOK, map[string]any{"origin": fromRuntime, "company": c})
	}
}

func noCompany(w http.ResponseWriter) {
	problem.Write(w, http.StatusNotFound, "unknown-company", "Unknown company", "No company with that SIREN (it must be Luhn-valid).", nil)
}
