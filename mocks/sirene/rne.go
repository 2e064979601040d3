package sirene

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/fixtures"
	"github.com/proconnect-sandbox/proconnect-sandbox/insee"
)

// The RNE (INPI's Registre national des entreprises): POST /api/sso/login,
// then GET /api/companies/{siren} with the token (the shapes of a public
// OpenAPI description of the RNE, completed with INPI's own: legal persons
// are ENTREPRISE, an EI is formality.content.personnePhysique;
// docs/registre.md).

var reDay = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func unb64(s string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return string(b), err
}

// rneError writes the RNE's Error shape.
func rneError(w http.ResponseWriter, status int, errorCode, message, typ string) {
	writeObject(w, status, object{{"code", itoa3(status)}, {"errorCode", errorCode}, {"message", message},
		{"type", typ}, {"webserviceCode", "api_sandbox"}}, false)
}

func itoa3(n int) string {
	return string([]byte{byte('0' + n/100), byte('0' + n/10%10), byte('0' + n%10)})
}

// decodeRNE reads a JSON body of at most 16 KiB into v: one JSON value,
// nothing after it but white space (RFC 8259 §2). The caller answers an
// error in the RNE's own format.
func decodeRNE(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 16<<10))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("rne: data after the JSON body")
	}
	return nil
}

func (m *Mock) rneLogin(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if err := decodeRNE(w, r, &body); err != nil || body.Username == "" {
		rneError(w, http.StatusUnauthorized, "invalid_request", "Requête invalide : username et password sont attendus en JSON", "invalid_request")
		return
	}
	want, ok := m.rneUsers[body.Username]
	if !ok || subtle.ConstantTimeCompare([]byte(want), []byte(body.Password)) != 1 {
		rneError(w, http.StatusUnauthorized, "invalid_credentials", "Identifiants invalides", "access_denied")
		return
	}
	tok := m.rneToken(body.Username, m.kit.Clock.Now().Add(rneTokenTTL))
	writeObject(w, http.StatusOK, object{{"token", tok}, {"user", object{{"email", body.Username + "@example.test"}}}}, false)
}

// rneAuth requires a valid RNE token.
func (m *Mock) rneAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		if len(h) < 8 || !strings.EqualFold(h[:7], "bearer ") || !m.validRNEToken(strings.TrimSpace(h[7:])) {
			rneError(w, http.StatusUnauthorized, "invalid_token", "Jeton absent, invalide ou expiré : connectez-vous par POST /api/sso/login", "unauthorized")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// inRNE reports whether a legal category is registered in the RNE:
// associations, public bodies and the like are not, with one exception
// ProConnect reads there: the agricultural mutual insurers (8250), which
// are registered at the RCS.
func inRNE(categorie string) bool {
	if categorie == "8250" {
		return true
	}
	return categorie != "" && categorie[0] != '7' && categorie[0] != '8' && categorie[0] != '9'
}

func (m *Mock) rneCompany(w http.ResponseWriter, r *http.Request) {
	siren := pathParam(r, "siren")
	c, _, ok := m.company(siren)
	if !ok || !insee.ValidSIREN(siren) || !inRNE(c.Unit.CategorieJuridique) || c.DuplicateOf != "" {
		rneError(w, http.StatusNotFound, "company_not_found", "Entreprise non trouvée pour le siren "+siren, "not_found")
		return
	}
	writeObject(w, http.StatusOK, m.rneDocument(c), false)
}

// rneDocument renders ReponseCompany.
func (m *Mock) rneDocument(c fixtures.Company) object {
	u := c.Unit
	cur := current(c)
	nature := object{{"dateCreation", str(u.DateCreation)}, {"societeEtrangere", false}, {"formeJuridique", u.CategorieJuridique},
		{"etablieEnFrance", true}, {"microEntreprise", false}}
	content := object{{"natureCreation", nature}}
	typePersonne := "M"
	if isEI(c) {
		typePersonne = "P"
		var entrepreneur object
		if len(c.Dirigeants) > 0 {
			entrepreneur = object{{"descriptionPersonne", m.descriptionPersonne(m.set.Resolve(c.Dirigeants[0]), false)}}
		} else {
			id := m.eiIdentity(c)
			entrepreneur = object{{"descriptionPersonne", object{{"nom", id.nom}, {"prenoms", id.prenoms},
				{"genre", map[string]string{"M": "1", "F": "2"}[id.sexe]}, {"dateDeNaissance", str(id.naissance)},
				{"codeInseeGeographique", str(id.commune)}}}}
		}
		content = append(content, kv{"personnePhysique", object{{"identite", object{{"entrepreneur", entrepreneur}}}}})
	} else {
		pouvoirs := []object{}
		for _, d := range c.Dirigeants {
			pouvoirs = append(pouvoirs, m.pouvoir(d))
		}
		content = append(content, kv{"personneMorale", object{
			{"identite", object{{"entreprise", object{{"siren", c.SIREN}, {"denomination", str(cur.Denomination)},
				{"formeJuridique", u.CategorieJuridique}, {"codeApe", str(strings.ReplaceAll(u.ActivitePrincipale, ".", ""))}}}}},
			{"composition", object{{"pouvoirs", pouvoirs}}},
		}})
	}
	sum := sha256.Sum256([]byte("rne/" + c.SIREN))
	return object{
		{"id", hex.EncodeToString(sum[:12])},
		{"formality", object{{"siren", c.SIREN}, {"content", content}, {"diffusionINSEE", u.StatutDiffusion},
			{"typePersonne", typePersonne}, {"formeJuridique", u.CategorieJuridique},
			{"codeAPE", str(strings.ReplaceAll(u.ActivitePrincipale, ".", ""))}}},
		{"siren", c.SIREN},
		{"updatedAt", "2025-01-15T10:30:00+01:00"},
	}
}

// pouvoir renders one RNE pouvoir; actif appears only when the fixture says
// (absent means active: only false removes a pouvoir).
func (m *Mock) pouvoir(d fixtures.Dirigeant) object {
	o := object{}
	if d.Type == "entreprise" {
		o = append(o, kv{"typeDePersonne", "ENTREPRISE"})
	} else {
		o = append(o, kv{"typeDePersonne", "INDIVIDU"})
	}
	if d.Actif != nil {
		o = append(o, kv{"actif", *d.Actif})
	}
	o = append(o, kv{"roleEntreprise", str(d.Role)})
	if d.Type == "entreprise" {
		return append(o, kv{"entreprise", object{{"siren", d.SIREN}, {"denomination", str(d.Denomination)}}})
	}
	return append(o, kv{"individu", object{{"descriptionPersonne", m.descriptionPersonne(m.set.Resolve(d), true)}}})
}

func (m *Mock) descriptionPersonne(d fixtures.Dirigeant, withRole bool) object {
	prenoms := d.Prenoms
	if prenoms == nil {
		prenoms = []string{}
	}
	o := object{{"nom", str(d.Nom)}, {"nomUsage", str(d.NomUsage)}, {"prenoms", prenoms}, {"genre", str(d.Genre)},
		{"dateDeNaissance", str(d.DateNaissance)}, {"lieuDeNaissance", str(d.LieuNaissance)},
		{"codeInseeGeographique", str(d.CodeInsee)}, {"codePostalNaissance", str(d.CodePostalNaissance)},
		{"paysNaissance", str(d.Pays)}, {"codePaysNaissance", str(d.CodePays)}}
	if withRole {
		o = append(o, kv{"role", str(d.Role)})
	}
	return o
}

// contactGet serves GET /api/companies/{siren}/contact-email.
func (m *Mock) contactGet(w http.ResponseWriter, r *http.Request) {
	siren := pathParam(r, "siren")
	c, ok := m.contactEmail(siren)
	if !ok {
		rneError(w, http.StatusNotFound, "contact_email_not_found", "Aucun courriel de contact référencé pour le siren "+siren, "not_found")
		return
	}
	o := object{{"siren", siren}, {"contact_email", c.email}}
	if !c.updated.IsZero() {
		o = append(o, kv{"updated_at", c.updated.UTC().Format(time.RFC3339)})
	}
	writeObject(w, http.StatusOK, o, false)
}

// contactPut serves PUT /api/companies/{siren}/contact-email: the core
// references the email a dirigeant verified.
func (m *Mock) contactPut(w http.ResponseWriter, r *http.Request) {
	siren := pathParam(r, "siren")
	if _, _, ok := m.company(siren); !ok {
		rneError(w, http.StatusNotFound, "company_not_found", "Entreprise non trouvée pour le siren "+siren, "not_found")
		return
	}
	var body struct {
		ContactEmail string `json:"contact_email"`
	}
	if err := decodeRNE(w, r, &body); err != nil {
		rneError(w, http.StatusBadRequest, "invalid_request", "Corps JSON attendu : {\"contact_email\": \"…\"}", "invalid_request")
		return
	}
	a, err := mail.ParseAddress(body.ContactEmail)
	if err != nil || a.Address != body.ContactEmail || len(body.ContactEmail) > 254 {
		rneError(w, http.StatusBadRequest, "invalid_email", "Adresse électronique invalide : "+body.ContactEmail, "invalid_request")
		return
	}
	now := m.kit.Clock.Now()
	m.contacts.Store(siren, contact{email: body.ContactEmail, updated: now})
	writeObject(w, http.StatusOK, object{{"siren", siren}, {"contact_email", body.ContactEmail},
		{"updated_at", now.UTC().Format(time.RFC3339)}}, false)
}

// contactDelete serves DELETE /api/companies/{siren}/contact-email.
func (m *Mock) contactDelete(w http.ResponseWriter, r *http.Request) {
	siren := pathParam(r, "siren")
	if _, ok := m.contactEmail(siren); !ok {
		rneError(w, http.StatusNotFound, "contact_email_not_found", "Aucun courriel de contact référencé pour le siren "+siren, "not_found")
		return
	}
	m.contacts.Store(siren, contact{updated: m.kit.Clock.Now()})
	w.WriteHeader(http.StatusNoContent)
}
