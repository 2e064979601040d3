package httpapi

import (
	"time"

	"github.com/proconnect-sandbox/proconnect-sandbox/internal/paris"
	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect"
)

// parisZone is the zone of the times the dirigeant's pages show (embedded:
// the FROM-scratch image has no zone files).
func parisZone() *time.Location { return paris.Location() }

// parisTime says t as people in France read it, in Paris time.
func parisTime(loc *time.Location, t time.Time) string {
	return t.In(loc).Format("02/01/2006 à 15:04") + " (heure de Paris)"
}

// outcomeWords says why a certification did not prove the person dirigeant.
var outcomeWords = map[proconnect.Outcome]string{
	proconnect.OutcomeCloseMatch:          "votre identité ressemble à celle d'un dirigeant sans y correspondre exactement",
	proconnect.OutcomeNotDirigeant:        "le registre ne vous liste pas parmi ses dirigeants",
	proconnect.OutcomeCompanyNotFound:     "l'entreprise est introuvable dans le répertoire SIRENE",
	proconnect.OutcomeCompanyCeased:       "l'entreprise a cessé son activité",
	proconnect.OutcomeNotCovered:          "cette organisation n'a pas de registre des dirigeants",
	proconnect.OutcomeUnsupportedIdentity: "votre identité (européenne ou étrangère) ne peut pas être comparée au registre français",
	proconnect.OutcomeCancelled:           "la connexion a été abandonnée",
	proconnect.OutcomeError:               "un service n'a pas répondu",
}

// accessStatusWords says where an access request stands.
var accessStatusWords = map[proconnect.AccessStatus]string{
	proconnect.AccessPending:  "en attente",
	proconnect.AccessApproved: "acceptée",
	proconnect.AccessRefused:  "refusée",
	proconnect.AccessExpired:  "expirée",
}
