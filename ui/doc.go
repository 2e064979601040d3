// Package ui is what every page of the sandbox looks like: the State's
// design system (DSFR, from the npm package @gouvfr/dsfr), embedded in the
// binary and served by each component under Prefix, and the shared page
// frame (header with the « bac à sable » badge, main, footer) that each
// component's templates wrap their content in.
//
// It is a leaf: it imports nothing of the project. It is not a CDN client:
// nothing is fetched at run time, so the pages work offline. ui/dist is
// written by internal/gendsfr (scripts/refresh-dsfr), never by hand.
package ui
