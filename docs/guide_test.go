package docs

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// snippet returns the YAML block the guide marks with <!-- ci:NAME -->.
func snippet(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("conformite.md")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile("(?s)<!-- ci:" + name + " -->\\s*```yaml\\n(.*?)```")
	m := re.FindSubmatch(b)
	if m == nil {
		t.Fatalf("conformite.md has no ```yaml block after <!-- ci:%s -->", name)
	}
	return m[1]
}

// githubSteps returns the run: scripts of the guide's GitHub Actions job, in
// order.
func githubSteps(t testing.TB) []string {
	t.Helper()
	var doc struct {
		Jobs map[string]struct {
			Steps []struct {
				Run string `yaml:"run"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(snippet(t, "github"), &doc); err != nil {
		t.Fatalf("the GitHub Actions snippet: %v", err)
	}
	var out []string
	for _, job := range doc.Jobs {
		for _, s := range job.Steps {
			if s.Run != "" {
				out = append(out, s.Run)
			}
		}
	}
	return out
}

func lines(scripts []string) []string {
	var out []string
	for _, s := range scripts {
		for _, l := range strings.Split(s, "\n") {
			if l = strings.TrimSpace(l); l != "" {
				out = append(out, l)
			}
		}
	}
	return out
}

// TestGuideCISnippetsAgree keeps the GitHub Actions and GitLab CI examples of
// the guide to the same commands (CI runs the GitHub one verbatim).
func TestGuideCISnippetsAgree(t *testing.T) {
	var gl map[string]struct {
		Script []string `yaml:"script"`
	}
	if err := yaml.Unmarshal(snippet(t, "gitlab"), &gl); err != nil {
		t.Fatalf("the GitLab CI snippet: %v", err)
	}
	job, ok := gl["conformite-proconnect"]
	if !ok {
		t.Fatal("the GitLab CI snippet has no conformite-proconnect job")
	}
	github := lines(githubSteps(t))
	if !slices.Equal(github, job.Script) {
		t.Errorf("the two CI examples differ:\nGitHub: %q\nGitLab: %q", github, job.Script)
	}
	for _, l := range github {
		if strings.Contains(l, "sleep") || strings.Contains(l, "@latest") {
			t.Errorf("the CI example %q sleeps or installs @latest of an untagged module", l)
		}
	}
}

// TestGuideCIRunsVerbatim runs the guide's GitHub Actions commands as they
// are written, in a folder laid out as a portal team's checkout (their
// portal, here the Python example, with the sandbox's repository in
// proconnect-sandbox/). It takes the usual ports (7100–7105, 8080), so it
// runs only when asked: PROCONNECT_SANDBOX_GUIDE_TEST=1 (.ci/run sets it).
func TestGuideCIRunsVerbatim(t *testing.T) {
	if os.Getenv("PROCONNECT_SANDBOX_GUIDE_TEST") != "1" {
		t.Skip("set PROCONNECT_SANDBOX_GUIDE_TEST=1 to run the guide's CI commands (they take ports 7100-7105 and 8080, and need Debian's python3-flask and python3-jwt)")
	}
	work := t.TempDir()
	copyRepository(t, "..", filepath.Join(work, "proconnect-sandbox"))
	copyDir(t, "../examples/portail-python", work)
	script := "#!/bin/sh\n# the portal team's own start script: here, the Python example's\nexec ./demarrer.sh\n"
	if err := os.WriteFile(filepath.Join(work, "demarrer-mon-portail.sh"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	// every step runs in one process group: what they leave running (the
	// sandbox, the portal) is ended with it
	pgid := 0
	defer func() {
		if pgid != 0 {
			_ = syscall.Kill(-pgid, syscall.SIGTERM)
		}
	}()
	var log bytes.Buffer
	for i, run := range githubSteps(t) {
		cmd := exec.CommandContext(ctx, "bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", run)
		cmd.Dir = work
		cmd.Stdout, cmd.Stderr = io.MultiWriter(&log, testWriter{t}), io.MultiWriter(&log, testWriter{t})
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pgid: pgid}
		if err := cmd.Start(); err != nil {
			t.Fatalf("step %d: %v", i+1, err)
		}
		if pgid == 0 {
			pgid = cmd.Process.Pid
		}
		if err := cmd.Wait(); err != nil {
			for _, f := range []string{"sandbox.log", "portail.log"} {
				if b, rerr := os.ReadFile(filepath.Join(work, f)); rerr == nil {
					t.Logf("%s:\n%s", f, b)
				}
			}
			t.Fatalf("step %d of the guide's GitHub Actions job failed (%v):\n%s", i+1, err, run)
		}
	}
	if dst := os.Getenv("PROCONNECT_SANDBOX_GUIDE_REPORTS"); dst != "" {
		copyDir(t, filepath.Join(work, "rapports"), dst)
	}
	if !strings.Contains(log.String(), "conformance: réussie") {
		t.Fatalf("the conformance step did not say it passed")
	}
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// copyRepository copies the files git knows of (tracked, or new and not
// ignored) from the working tree: what a checkout of this change holds.
func copyRepository(t testing.TB, from, to string) {
	t.Helper()
	out, err := exec.Command("git", "-C", from, "ls-files", "--cached", "--others", "--exclude-standard", "-z").Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	for _, f := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		copyFile(t, filepath.Join(from, f), filepath.Join(to, f))
	}
}

func copyDir(t testing.TB, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		copyFile(t, p, filepath.Join(to, rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func copyFile(t testing.TB, from, to string) {
	t.Helper()
	st, err := os.Stat(from)
	if err != nil {
		if os.IsNotExist(err) {
			return // deleted in the working tree
		}
		t.Fatal(err)
	}
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, st.Mode().Perm()); err != nil {
		t.Fatal(err)
	}
}
