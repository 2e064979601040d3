package deploy

import (
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/lint"
	"helm.sh/helm/v3/pkg/lint/support"
)

// TestSchemaRejectsBadValues: values.schema.json turns away what would make
// a broken sandbox, before anything is rendered, and its message names the
// value to fix.
func TestSchemaRejectsBadValues(t *testing.T) {
	cases := []struct {
		name   string
		values map[string]any
		want   []string // all in the error
	}{
		{"no control token", values(), []string{"/controlToken/value", "/controlToken/existingSecret", "minLength"}},
		{"replicas without database", values("controlToken.value", "t", "core.replicas", 3),
			[]string{"/core/database/url", "/core/database/existingSecret", "minLength"}},
		{"database and persistence", values("controlToken.value", "t", "core.database.url", "postgres://pg/db", "core.persistence.enabled", true),
			[]string{"/core/database/url", "maxLength"}},
		{"database URL not PostgreSQL", values("controlToken.value", "t", "core.database.url", "mysql://db/x"),
			[]string{"/core/database/url", "does not match pattern"}},
		{"a typo in a key", values("controlToken.value", "t", "core.replica", 2),
			[]string{"/core", "additional properties 'replica' not allowed"}},
		{"an unknown component", values("controlToken.value", "t", "publicURLs.franceconect", "http://fc.example.org"),
			[]string{"/publicURLs", "'franceconect' not allowed"}},
		{"public URL with a path", values("controlToken.value", "t", "publicURLs.proconnect", "https://example.org/proconnect"),
			[]string{"/publicURLs/proconnect", "does not match pattern"}},
		{"zero replicas", values("controlToken.value", "t", "core.replicas", 0), []string{"/core/replicas", "minimum"}},
		{"ingress without hosts", values("controlToken.value", "t", "ingress.enabled", true), []string{"/ingress"}},
		{"token with a space at an end", values("controlToken.value", "jeton "), []string{"/controlToken/value", "does not match pattern"}},
		{"writable root file system", values("controlToken.value", "t", "securityContext.readOnlyRootFilesystem", false),
			[]string{"/securityContext/readOnlyRootFilesystem"}},
		{"root allowed", values("controlToken.value", "t", "podSecurityContext.runAsNonRoot", false),
			[]string{"/podSecurityContext/runAsNonRoot"}},
		{"log level", values("controlToken.value", "t", "logLevel", "verbose"), []string{"/logLevel"}},
		{"re-check period", values("controlToken.value", "t", "core.recheckInterval", "1 hour"), []string{"/core/recheckInterval"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := install(t, tc.values)
			if err == nil {
				t.Fatal("installed; want the schema to refuse these values")
			}
			t.Log(err)
			msg := err.Error()
			if !strings.Contains(msg, "values don't meet the specifications of the schema") {
				t.Errorf("refused, but not by the schema: %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("the error does not say %q:\n%v", w, err)
				}
			}
		})
	}
}

// TestTemplatesRefuseWhatTheSchemaCannotSee: with the schema skipped (helm
// install --skip-schema-validation), the templates still refuse the same
// mistakes, in plain words.
func TestTemplatesRefuseWhatTheSchemaCannotSee(t *testing.T) {
	cases := []struct {
		name   string
		values map[string]any
		want   string
	}{
		{"replicas without database", values("controlToken.value", "t", "core.replicas", 2), "core.replicas above 1 needs core.database"},
		{"database and persistence", values("controlToken.value", "t", "core.database.existingSecret", "pg", "core.persistence.enabled", true), "exclude each other"},
		{"no control token", values(), "controlToken.value or controlToken.existingSecret is required"},
		{"ingress without a host", values("controlToken.value", "t", "ingress.enabled", true, "ingress.hosts.proconnect", "pc.example.org"),
			"component apientreprise has no host"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := installNoSchema(t, tc.values)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one that says %q", err, tc.want)
			}
		})
	}
}

// TestLint is `helm lint --strict` through Helm's packages: no warning nor
// error for the value sets the chart is rendered with.
func TestLint(t *testing.T) {
	for _, vs := range valueSets {
		t.Run(vs.name, func(t *testing.T) {
			l := lint.AllWithKubeVersion(chartDir, vs.values, namespace, kubeVersion)
			if len(l.Messages) == 0 {
				t.Fatal("the linter said nothing: it did not run (it always reports at least the chart it read)")
			}
			for _, m := range l.Messages {
				if m.Severity > support.InfoSev {
					t.Errorf("%s", m)
				} else {
					t.Logf("%s", m)
				}
			}
		})
	}
}
