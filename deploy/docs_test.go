package deploy

import (
	"os"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// codeBlocks returns the fenced blocks of a Markdown file whose opening
// fence is exactly fence (```yaml, ```).
func codeBlocks(t testing.TB, file, fence string) []string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	var cur *strings.Builder
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case cur == nil && line == fence:
			cur = &strings.Builder{}
		case cur != nil && line == "```":
			out = append(out, cur.String())
			cur = nil
		case cur != nil:
			cur.WriteString(line + "\n")
		}
	}
	return out
}

// TestGuideValues: the shared sandbox's values file of docs/deploiement.md
// installs as it is written, with three core replicas on the PostgreSQL of
// its Secret and every component under bas.example.org; the refusal the
// guide shows is the one Helm prints.
func TestGuideValues(t *testing.T) {
	const guide = "../docs/deploiement.md"
	blocks := codeBlocks(t, guide, "```yaml")
	if len(blocks) != 1 {
		t.Fatalf("%s: %d yaml blocks, want the one values file", guide, len(blocks))
	}
	var vals map[string]any
	if err := yaml.UnmarshalStrict([]byte(blocks[0]), &vals); err != nil {
		t.Fatalf("the guide's values file: %v", err)
	}
	r := render(t, vals)
	checkComponents(t, r)
	checkEnv(t, r, readEnv(t))
	checkSecurity(t, r)
	checkNetworkPolicies(t, r)
	checkTestPod(t, r, conformanceFlags(t))
	core := r.deployments[svcName("proconnect")]
	if *core.Spec.Replicas != 3 || envOf(core)["PROCONNECT_SANDBOX_DATABASE"].ValueFrom.SecretKeyRef.Name != "sbx-pg" {
		t.Errorf("the guide's values do not give three replicas on sbx-pg")
	}
	if got := envOf(core)["PROCONNECT_SANDBOX_PROCONNECT_PUBLIC_URL"].Value; got != "https://proconnect.bas.example.org" {
		t.Errorf("the guide's values publish the core at %q", got)
	}

	var shown string
	for _, b := range codeBlocks(t, guide, "```") {
		if strings.HasPrefix(b, "values don't meet") {
			shown = b
		}
	}
	if shown == "" {
		t.Fatalf("%s shows no schema refusal", guide)
	}
	delete(vals["core"].(map[string]any), "database")
	_, _, err := install(t, vals)
	if err == nil {
		t.Fatal("three replicas without database installed")
	}
	if strings.TrimSpace(err.Error()) != strings.TrimSpace(shown) {
		t.Errorf("the guide shows:\n%s\nHelm says:\n%s", shown, err)
	}
}
