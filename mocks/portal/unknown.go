package portal

import (
	"encoding/json"
	"net/http"
	"strings"
)

// problemType is the type of a problem answer of the core ("" when raw is
// not one).
func problemType(raw []byte) string {
	var pb struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(raw, &pb)
	return pb.Type
}

// isCompanyNotFound reports whether the core refused a certification
// because SIRENE does not know the SIREN (422 company-not-found): nobody
// is sent to FranceConnect for a company that does not exist.
func isCompanyNotFound(status int, raw []byte) bool {
	return status == http.StatusUnprocessableEntity && strings.HasSuffix(problemType(raw), "/company-not-found")
}

// unknownCompany is the page of a SIREN SIRENE does not know: what to
// check, and the portal's alternative path; the core's words go in the
// developers' line.
func (p *Portal) unknownCompany(w http.ResponseWriter, siren string, raw []byte) {
	p.render(w, http.StatusOK, "result.html", view{Title: "Entreprise introuvable",
		Message: "Aucune entreprise n'est enregistrée sous le numéro SIREN " + siren + " dans le répertoire SIRENE : vous n'avez pas " +
			"besoin de vous connecter. Vérifiez le numéro sur un extrait Kbis ou un avis de situation SIRENE ; si votre " +
			"entreprise est étrangère ou pas encore immatriculée, déposez votre dossier par le parcours alternatif.",
		Detail: problemDetail(raw), Kind: kindError, SIREN: siren, Alternative: !p.defects.Load().NoAlternative})
}
