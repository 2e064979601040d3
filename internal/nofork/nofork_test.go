package nofork

import (
	"bytes"
	"os"
	"runtime"
	"testing"
)

// TestPathGivenBack compares PATH, once every package is initialised, with
// the one the process was started with (/proc/self/environ keeps it).
func TestPathGivenBack(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("not tested outside Linux: that PATH comes back (it reads /proc/self/environ)")
	}
	raw, err := os.ReadFile("/proc/self/environ")
	if err != nil {
		t.Fatal(err)
	}
	start, set := "", false
	for _, kv := range bytes.Split(raw, []byte{0}) {
		if v, ok := bytes.CutPrefix(kv, []byte("PATH=")); ok {
			start, set = string(v), true
		}
	}
	now, nowSet := os.LookupEnv("PATH")
	if now != start || nowSet != set {
		t.Errorf("PATH is %q (set: %v), the process started with %q (set: %v)", now, nowSet, start, set)
	}
}
