// Package insee holds the public identifiers INSEE assigns and every part of
// the sandbox shares: SIREN and SIRET (with their Luhn keys and La Poste's
// exception) and INSEE country codes. It depends on nothing of the project:
// the core, the mocks and the harness import it, never the other way round.
package insee
