package sandbox

import (
	"bytes"
	"context"
	"net/http"
	"runtime/pprof"
	"strings"
	"testing"
)

// TestComponentsLabelTheirGoroutines: each component's server and
// background work run under the pprof label component=<name>, so that a
// CPU profile of the sandbox says which component spent what.
func TestComponentsLabelTheirGoroutines(t *testing.T) {
	ctx := context.Background()
	s, err := Start(ctx, Config{Ports: FreePorts()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	for _, svc := range s.Services { // each one answered: it serves
		resp, err := http.Get("http://" + svc.Listen + "/__sandbox/healthz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	var buf bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&buf, 1); err != nil {
		t.Fatal(err)
	}
	for _, svc := range s.Services {
		if want := `labels: {"component":"` + svc.Name + `"}`; !strings.Contains(buf.String(), want) {
			t.Errorf("no goroutine has %s", want)
		}
	}
}
