// Package proconnect is the reference ProConnect core's domain (docs/api-proconnect.md, « Résultats »):
// company identifiers, the identité pivot and the register's candidates, the
// matching rule and the outcomes it decides, the certification and its
// events, the Store interface and the use cases (start, complete, get,
// re-check, revoke) of Service.
//
// It has no net/http: httpapi is its HTTP side; inmem and sqlite are its
// stores, both held to storetest.Run. The mocks use its identifier
// validation so that the whole sandbox agrees on what a valid SIREN is.
package proconnect
