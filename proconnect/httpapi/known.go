package httpapi

import (
	"context"
	"fmt"
	"net/http"

	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
)

// Known implements proconnect.Directory: one read of the legal unit at
// INSEE's private Sirene API, which answers 404 for a SIREN it does not
// know (« Aucun élément trouvé pour le siren … »). A closed unit answers
// 200, a non-diffusible one 200 (or 403 where the caller may not see
// it): both are known. Nothing else is read (no RNE, no API Entreprise:
// those say who the dirigeants are, not whether the company exists).
func (r *registerClient) Known(ctx context.Context, siren string) (bool, error) {
	var unit inseeUnit
	status, err := r.inseeUnit(ctx, siren, &unit)
	switch {
	case err != nil:
		return false, err
	case status == http.StatusOK, status == http.StatusForbidden:
		return true, nil
	case status == http.StatusNotFound:
		return false, nil
	default:
		return false, fmt.Errorf("%w: INSEE answered %d", proconnect.ErrUnavailable, status)
	}
}

// companyNotFoundDetail says, for the portal team and the person, why no
// certification was created.
func companyNotFoundDetail(siren string) string {
	return "Le répertoire SIRENE ne connaît aucune entreprise sous le numéro SIREN " + siren +
		" : aucune certification n'est créée et la personne n'est pas envoyée à FranceConnect. " +
		"Proposez-lui de vérifier le numéro, ou le parcours alternatif du portail."
}
