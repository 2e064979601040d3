// Command gencommunes writes proconnect/data/communes.csv, the table of
// historical commune codes the matching rule applies to birthplaces, from the
// npm package @etalab/decoupage-administratif (its data are INSEE's Code
// officiel géographique, under the Licence Ouverte).
//
// Usage, from the repository root:
//
//	npm pack @etalab/decoupage-administratif@6.0.0
//	go run ./internal/gencommunes -tgz etalab-decoupage-administratif-6.0.0.tgz -cog 2026 -o proconnect/data/communes.csv
//
// The tarball is read as npm packs it; nothing of it but the derived pairs is
// written. It is a tool for maintainers, not part of the sandbox's binary.
package main
