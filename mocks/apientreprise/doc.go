// Package apientreprise is the sandbox's mock of API Entreprise
// (entreprise.api.gouv.fr), the fallback register ProConnect reads when the
// RNE fails: INSEE's legal unit (/v3/insee/sirene/unites_legales/{siren})
// and Infogreffe's mandataires sociaux
// (/v3/infogreffe/rcs/unites_legales/{siren}/mandataires_sociaux).
//
// It answers from the fixtures' companies and the synthetic register, as
// the register mock (mocks/sirene) does, so that INSEE, the RNE and API
// Entreprise agree. It does not see the register mock's run-time changes
// (a company made to cease through its control API), nor serve the other
// endpoints of API Entreprise. Calls need the bearer token and the context,
// recipient and object parameters (docs/registre.md, « API Entreprise »).
package apientreprise
