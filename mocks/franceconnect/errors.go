package franceconnect

import (
	"encoding/json"
	"net/http"

	"github.com/google/uuid"
)

// errorURIBase is where FranceConnect points error_uri (docs/franceconnect.md).
const errorURIBase = "https://docs.partenaires.franceconnect.gouv.fr/fs/fs-technique/fs-technique-erreurs/?code="

// oidcError is a JSON error of the token, userinfo and revocation endpoints:
// {"error", "error_description": "<description> (<detail>)", "error_uri"}.
type oidcError struct {
	status      int
	code        string // error
	description string
	detail      string // "undefined" when FranceConnect has none
	ycode       string
}

func (e oidcError) write(w http.ResponseWriter) {
	detail := e.detail
	if detail == "" {
		detail = "undefined"
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	if e.status == http.StatusUnauthorized && e.code == "invalid_token" {
		h.Set("WWW-Authenticate", `Bearer realm="franceconnect", error="invalid_token"`)
	}
	w.WriteHeader(e.status)
	_ = json.NewEncoder(w).Encode(map[string]string{
		"error":             e.code,
		"error_description": e.description + " (" + detail + ")",
		"error_uri":         errorURIBase + e.ycode + "&id=" + uuid.NewString(),
	})
}

// Y-codes and messages of the HTML error pages (docs/franceconnect.md).
var pageErrors = map[string]string{
	"Y030007":  "La demande du service en ligne n'est pas valide : un paramètre est manquant, invalide ou non autorisé.",
	"Y04EA6EF": "Le service en ligne n'est pas reconnu par FranceConnect ou a été désactivé.",
	"Y04C013C": "L'adresse de retour (redirect_uri) n'est pas enregistrée pour ce service en ligne.",
	"Y100009":  "Ce service en ligne n'est pas autorisé à demander la méthode d'authentification (amr).",
	"Y100001":  "Le niveau de sécurité de votre fournisseur d'identité est insuffisant pour ce service.",
	"Y600006":  "Les informations transmises par votre fournisseur d'identité sont incomplètes ou invalides.",
	"Y010015":  "Votre identité n'a pas pu être vérifiée : la personne est signalée décédée.",
	"Y180001":  "Votre compte FranceConnect est désactivé.",
	"Y000400":  "La demande de déconnexion n'est pas valide.",
	"Y000404":  "Cette page n'existe pas.",
	"Y000410":  "Votre session de connexion a expiré ou n'existe pas. Recommencez depuis le service en ligne.",
}
