package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/sandbox/layout"
)

// flagLine is a flag in the help the flag package prints: "  -bind string".
var flagLine = regexp.MustCompile(`(?m)^  -([a-z0-9][a-z0-9-]*)`)

var (
	binaryOnce sync.Once
	binaryPath string                     // the binary built for the tests
	binaryDir  string                     // its temporary folder, removed by TestMain
	binaryEnv  map[string]map[string]bool // component → variables it reads
	confFlags  map[string]bool            // the flags of conformance
	binaryErr  string
)

// readEnv returns, for each component, the environment variables that
// `proconnect-sandbox serve NAME` reads: one per flag its help lists, named
// as the binary names them (layout.EnvName). The binary is built from this
// checkout, so that the chart is checked against the code beside it.
func readEnv(t testing.TB) map[string]map[string]bool {
	t.Helper()
	binaryOnce.Do(func() {
		dir, err := os.MkdirTemp("", "deploy-bin-")
		if err != nil {
			binaryErr = err.Error()
			return
		}
		binaryDir = dir
		bin := filepath.Join(dir, "proconnect-sandbox")
		binaryPath = bin
		build := exec.Command("go", "build", "-o", bin, "./cmd/proconnect-sandbox")
		build.Dir = ".."
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			binaryErr = "building the binary: " + err.Error() + "\n" + string(out)
			return
		}
		binaryEnv = map[string]map[string]bool{}
		for _, name := range layout.Names() {
			out, err := exec.Command(bin, "serve", name, "--help").CombinedOutput()
			if err != nil {
				binaryErr = "serve " + name + " --help: " + err.Error() + "\n" + string(out)
				return
			}
			env := map[string]bool{}
			for _, m := range flagLine.FindAllStringSubmatch(string(out), -1) {
				env[layout.EnvName(m[1])] = true
			}
			binaryEnv[name] = env
		}
		out, err := exec.Command(bin, "conformance", "--help").CombinedOutput()
		if err != nil {
			binaryErr = "conformance --help: " + err.Error() + "\n" + string(out)
			return
		}
		confFlags = map[string]bool{}
		for _, m := range flagLine.FindAllStringSubmatch(string(out), -1) {
			confFlags[m[1]] = true
		}
	})
	if binaryErr != "" {
		t.Fatal(binaryErr)
	}
	return binaryEnv
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binaryDir != "" {
		_ = os.RemoveAll(binaryDir)
	}
	os.Exit(code)
}

// conformanceFlags returns the flags `proconnect-sandbox conformance` takes.
func conformanceFlags(t testing.TB) map[string]bool {
	t.Helper()
	readEnv(t)
	return confFlags
}

// TestReadEnvSeesTheFlags keeps readEnv honest: the help it parses must
// still list flags every component has, and the port flag of the component
// served only.
func TestReadEnvSeesTheFlags(t *testing.T) {
	env := readEnv(t)
	for _, name := range layout.Names() {
		for _, v := range []string{"PROCONNECT_SANDBOX_BIND", "PROCONNECT_SANDBOX_CONTROL_TOKEN",
			"PROCONNECT_SANDBOX_PROCONNECT_PUBLIC_URL", "PROCONNECT_SANDBOX_MAILBOX_INTERNAL_URL",
			layout.EnvName(name + "-port")} {
			if !env[name][v] {
				t.Errorf("serve %s --help: %s not found among %d variables", name, v, len(env[name]))
			}
		}
		other := "franceconnect"
		if name == other {
			other = "sirene"
		}
		if env[name][layout.EnvName(other+"-port")] {
			t.Errorf("serve %s reads %s: the help parsed is not the served component's", name, layout.EnvName(other+"-port"))
		}
	}
	for _, f := range []string{"suite", "forward", "sink-url", "control-token"} {
		if !conformanceFlags(t)[f] {
			t.Errorf("conformance --help: --%s not found among %d flags", f, len(conformanceFlags(t)))
		}
	}
}
