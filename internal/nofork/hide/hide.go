// Package hide empties PATH as early as package initialisation allows;
// package nofork, the only one to import it, says why and puts it back.
package hide

import "os"

// path is PATH as the process received it; set is false if it had none
// (then there is nothing to hide or to give back).
var path, set = os.LookupEnv("PATH")

func init() {
	if set {
		_ = os.Setenv("PATH", "")
	}
}

// Restore gives PATH back its value at start; package nofork calls it as
// soon as godog is initialised.
func Restore() {
	if set {
		_ = os.Setenv("PATH", path)
	}
}
