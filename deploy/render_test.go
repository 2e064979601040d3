package deploy

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	kubefake "helm.sh/helm/v3/pkg/kube/fake"
	"helm.sh/helm/v3/pkg/releaseutil"
	"helm.sh/helm/v3/pkg/storage"
	"helm.sh/helm/v3/pkg/storage/driver"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

const (
	chartDir    = "helm/proconnect-sandbox"
	releaseName = "sbx"
	namespace   = "bac-a-sable"
)

// kubeVersion is the cluster the chart is rendered for: the oldest its
// Chart.yaml accepts.
var kubeVersion = &chartutil.KubeVersion{Version: "v1.27.0", Major: "1", Minor: "27"}

// rendered is one release's manifests, decoded into the API types.
type rendered struct {
	deployments     map[string]*appsv1.Deployment
	services        map[string]*corev1.Service
	secrets         map[string]*corev1.Secret
	pvcs            map[string]*corev1.PersistentVolumeClaim
	ingresses       map[string]*networkingv1.Ingress
	networkPolicies map[string]*networkingv1.NetworkPolicy
	pods            map[string]*corev1.Pod // helm test's
	notes           string
}

func loadChart(t testing.TB) *chart.Chart {
	t.Helper()
	c, err := loader.Load(chartDir)
	if err != nil {
		t.Fatalf("loading the chart: %v", err)
	}
	return c
}

// install renders the chart as `helm install --dry-run` without a cluster
// does (client only): schema validation, templates, NOTES.txt.
func install(t testing.TB, values map[string]any) (manifest, notes string, err error) {
	t.Helper()
	return installChart(loadChart(t), values)
}

// installNoSchema renders as `helm install --dry-run --skip-schema-validation`.
func installNoSchema(t testing.TB, values map[string]any) (manifest, notes string, err error) {
	t.Helper()
	c := loadChart(t)
	c.Schema = nil
	return installChart(c, values)
}

func installChart(c *chart.Chart, values map[string]any) (manifest, notes string, err error) {
	cfg := &action.Configuration{
		Releases:     storage.Init(driver.NewMemory()),
		KubeClient:   &kubefake.PrintingKubeClient{Out: io.Discard},
		Capabilities: chartutil.DefaultCapabilities,
		Log:          func(string, ...any) {},
	}
	in := action.NewInstall(cfg)
	in.DryRun, in.ClientOnly, in.Replace = true, true, true
	in.ReleaseName, in.Namespace, in.KubeVersion = releaseName, namespace, kubeVersion
	rel, err := in.Run(c, values)
	if err != nil {
		return "", "", err
	}
	for _, h := range rel.Hooks {
		manifest += "\n---\n" + h.Manifest
	}
	return rel.Manifest + manifest, rel.Info.Notes, nil
}

// render installs with values and decodes every manifest strictly: a field
// the API types do not have (a typo, a field at the wrong level) fails.
func render(t testing.TB, values map[string]any) *rendered {
	t.Helper()
	manifest, notes, err := install(t, values)
	if err != nil {
		t.Fatalf("rendering: %v", err)
	}
	r := &rendered{deployments: map[string]*appsv1.Deployment{}, services: map[string]*corev1.Service{},
		secrets: map[string]*corev1.Secret{}, pvcs: map[string]*corev1.PersistentVolumeClaim{},
		ingresses: map[string]*networkingv1.Ingress{}, networkPolicies: map[string]*networkingv1.NetworkPolicy{}, pods: map[string]*corev1.Pod{}, notes: notes}
	docs := releaseutil.SplitManifests(manifest)
	keys := make([]string, 0, len(docs))
	for k := range docs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		doc := docs[k]
		if strings.TrimSpace(doc) == "" {
			continue
		}
		if err := decodeInto(r, []byte(doc)); err != nil {
			t.Fatalf("%v\n--- manifest:\n%s", err, doc)
		}
	}
	return r
}

// wantAPI is the apiVersion each kind the chart makes must have.
var wantAPI = map[string]string{
	"Deployment": "apps/v1", "Service": "v1", "Pod": "v1", "Secret": "v1", "PersistentVolumeClaim": "v1",
	"Ingress": "networking.k8s.io/v1", "NetworkPolicy": "networking.k8s.io/v1",
}

func decodeInto(r *rendered, doc []byte) error {
	var tm metav1.TypeMeta
	if err := yaml.Unmarshal(doc, &tm); err != nil {
		return fmt.Errorf("not YAML: %w", err)
	}
	if want, ok := wantAPI[tm.Kind]; !ok {
		return fmt.Errorf("kind %q: the chart is not expected to make one", tm.Kind)
	} else if tm.APIVersion != want {
		return fmt.Errorf("%s has apiVersion %q, want %q", tm.Kind, tm.APIVersion, want)
	}
	var name string
	var err error
	switch tm.Kind {
	case "Deployment":
		name, err = strictInto(doc, r.deployments)
	case "Service":
		name, err = strictInto(doc, r.services)
	case "Secret":
		name, err = strictInto(doc, r.secrets)
	case "PersistentVolumeClaim":
		name, err = strictInto(doc, r.pvcs)
	case "Ingress":
		name, err = strictInto(doc, r.ingresses)
	case "NetworkPolicy":
		name, err = strictInto(doc, r.networkPolicies)
	case "Pod":
		name, err = strictInto(doc, r.pods)
	}
	if err != nil {
		return fmt.Errorf("%s %s: %w", tm.Kind, name, err)
	}
	return nil
}

type named interface{ GetName() string }

func strictInto[T any, P interface {
	*T
	named
}](doc []byte, into map[string]P) (string, error) {
	var obj T
	if err := yaml.UnmarshalStrict(doc, &obj); err != nil {
		return "", fmt.Errorf("strict decoding: %w", err)
	}
	p := P(&obj)
	if p.GetName() == "" {
		return "", errors.New("no metadata.name")
	}
	if _, dup := into[p.GetName()]; dup {
		return p.GetName(), errors.New("made twice")
	}
	into[p.GetName()] = p
	return p.GetName(), nil
}

// values builds a values tree from dotted paths, on top of the chart's
// defaults (which Helm merges in).
func values(kv ...any) map[string]any {
	out := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		path := strings.Split(kv[i].(string), ".")
		m := out
		for _, p := range path[:len(path)-1] {
			next, ok := m[p].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[p] = next
			}
			m = next
		}
		m[path[len(path)-1]] = kv[i+1]
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
