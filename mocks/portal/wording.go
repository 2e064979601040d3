package portal

import (
	"encoding/json"
	"strconv"
)

// Alert kinds of the portal's messages (the CSS classes of layout.html).
const (
	kindSuccess = "success"
	kindWarning = "warning"
	kindError   = "error"
	kindInfo    = "info"
)

// outcomeLabels says each certification outcome to people in a few words.
var outcomeLabels = map[string]string{
	"certified":                "Dirigeant certifié",
	"close_match":              "Identité proche d'un dirigeant, sans correspondance exacte",
	"not_dirigeant":            "Non listé parmi les dirigeants",
	"company_not_found":        "Entreprise introuvable",
	"company_ceased":           "Entreprise cessée",
	"organisation_not_covered": "Organisation sans registre des dirigeants",
	"unsupported_identity":     "Identité européenne ou étrangère, non couverte",
	"cancelled":                "Connexion abandonnée",
	"error":                    "Service indisponible",
}

// stateLabels says each account state to people.
var stateLabels = map[string]string{
	StatePending:     "En attente du résultat de ProConnect",
	StateCertified:   "Certifié",
	StateNot:         "Non certifié",
	StateRevoked:     "Certification retirée",
	StateAlternative: "Parcours alternatif proposé (dépôt de justificatifs)",
}

// accessLabels says each access-request state to people.
var accessLabels = map[string]string{
	AccessPending:  "En attente de la réponse du dirigeant",
	AccessApproved: "Acceptée",
	AccessRefused:  "Refusée",
	AccessExpired:  "Expirée, sans réponse du dirigeant",
}

// label is the text of code in labels; a code the portal does not know is
// said as such, never shown bare.
func label(labels map[string]string, code string) string {
	if t, ok := labels[code]; ok {
		return t
	}
	if code == "" {
		return "Inconnu"
	}
	return "Inconnu de ce portail"
}

// outcomeKind is the alert kind of an outcome: success only for certified.
func outcomeKind(outcome string) string {
	switch outcome {
	case "certified":
		return kindSuccess
	case "close_match", "cancelled":
		return kindWarning
	case "organisation_not_covered", "unsupported_identity":
		return kindInfo
	default:
		return kindError
	}
}

// fieldRefusals words, for people, the core's refusal of a request field.
var fieldRefusals = map[string]string{
	"siren":                    "Ce numéro SIREN n'est pas valide : sa clé de contrôle est fausse. Vérifiez les 9 chiffres sur un extrait Kbis ou un avis de situation SIRENE.",
	"collaborator.email":       "Ce courriel n'est pas une adresse valide.",
	"collaborator.given_name":  "Le prénom est obligatoire (200 caractères au plus).",
	"collaborator.family_name": "Le nom est obligatoire (200 caractères au plus).",
}

// refusalText words a 400 problem of the core in French; the problem's own
// detail (English, for developers) goes in the page's detail line.
func refusalText(raw []byte) string {
	var pb struct {
		Field string `json:"field"`
	}
	_ = json.Unmarshal(raw, &pb)
	if t, ok := fieldRefusals[pb.Field]; ok {
		return t
	}
	return "ProConnect refuse un élément de la demande : vérifiez les informations saisies, puis recommencez."
}

// apiDetail is the developers' line of a failed call to the core: the
// transport error, or the status and the problem's detail.
func apiDetail(status int, raw []byte, err error) string {
	if err != nil {
		return err.Error()
	}
	return "HTTP " + strconv.Itoa(status) + " : " + problemDetail(raw)
}
