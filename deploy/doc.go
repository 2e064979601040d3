// Package deploy holds what runs the sandbox on an existing engine: the Helm
// chart in helm/proconnect-sandbox. Its tests render the chart through
// Helm's Go packages for several sets of values, decode every manifest
// strictly into the Kubernetes API types, and check it against the binary
// (the environment variables it reads, the ports of sandbox/layout).
//
// It is a module of its own so that Helm's and Kubernetes' dependencies
// never enter the sandbox's module: the binary and its users do not build
// or download them. It is not imported by anything.
package deploy
