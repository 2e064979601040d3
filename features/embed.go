// Package features embeds the Gherkin conformance suites (# language: fr),
// one folder per suite, so that the binary runs them anywhere. The .feature
// files are the specification; this file only carries them.
package features

import "embed"

// FS holds every suite: franceconnect/*.feature, …
//
//go:embed */*.feature
var FS embed.FS
