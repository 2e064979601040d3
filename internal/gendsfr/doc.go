// Command gendsfr writes ui/dist, the part of the State's design system
// (DSFR, the npm package @gouvfr/dsfr) that the sandbox's pages use, from the
// tarball npm packs (scripts/refresh-dsfr does both steps):
//
//	npm pack @gouvfr/dsfr@1.15.3
//	go run ./internal/gendsfr -tgz gouvfr-dsfr-1.15.3.tgz -version 1.15.3 -o ui/dist
//
// It keeps dsfr.min.css (gzipped, its @font-face rules cut down to the
// Marianne woff2 files it keeps), every icon that stylesheet points at, the
// FranceConnect logo the FranceConnect button draws (for the mock's
// header), the four Marianne weights the pages use, the favicon, the licence
// and the version. Nothing is fetched at run time: the sandbox serves these
// files itself. It is a tool for maintainers, not part of the sandbox's
// binary.
package main
