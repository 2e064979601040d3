package deploy

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/proconnect-sandbox/proconnect-sandbox/sandbox/layout"
)

const healthPath = "/__sandbox/healthz"

// pendingEnv are variables the chart sets for a feature another branch of
// issue 16 brings to the binary; until then the binary ignores them. The
// check below accepts them only while the binary reads none of them, and
// says so in the test log.
var pendingEnv = map[string]string{
	"PROCONNECT_SANDBOX_DATABASE": "--database (the PostgreSQL store)",
}

// calls is whom each component calls, as sandbox.go wires them: the core
// asks FranceConnect, the register, API Entreprise and PISTE, delivers
// events to the reference portal and mail to the catcher (SMTP); the
// reference portal asks the core and PISTE. Only those may leave a pod.
var calls = map[string][]string{
	"proconnect": {"apientreprise:http", "franceconnect:http", "mailbox:smtp", "piste:http", "portal:http", "sirene:http"},
	"portal":     {"piste:http", "proconnect:http"},
}

func svcName(component string) string { return releaseName + "-proconnect-sandbox-" + component }

// valueSets are the configurations the chart must render correctly.
var valueSets = []struct {
	name   string
	values map[string]any
	check  func(t *testing.T, r *rendered)
}{
	{"defaults", values("controlToken.value", "jeton-de-test"), func(t *testing.T, r *rendered) {
		core := r.deployments[svcName("proconnect")]
		if got := *core.Spec.Replicas; got != 1 {
			t.Errorf("core replicas %d, want 1", got)
		}
		env := envOf(core)
		for _, v := range []string{"PROCONNECT_SANDBOX_DATABASE", "PROCONNECT_SANDBOX_DATA"} {
			if _, ok := env[v]; ok {
				t.Errorf("core has %s without database nor persistence: its store is memory", v)
			}
		}
		wantPublic(t, r, func(c layout.Component) string { return fmt.Sprintf("http://localhost:%d", c.Port) })
		if len(r.ingresses) != 0 || len(r.pvcs) != 0 {
			t.Errorf("ingresses %v, claims %v: none by default", sortedKeys(r.ingresses), sortedKeys(r.pvcs))
		}
		if !strings.Contains(r.notes, "in memory") || !strings.Contains(r.notes, "helm test sbx -n bac-a-sable --logs") || !strings.Contains(r.notes, "port-forward svc/"+svcName("proconnect")+" 7100:7100") {
			t.Errorf("NOTES.txt does not say the store is in memory, how to port-forward or to run helm test:\n%s", r.notes)
		}
		sec := r.secrets[releaseName+"-proconnect-sandbox"]
		if sec == nil || sec.StringData["control-token"] != "jeton-de-test" {
			t.Errorf("the chart's Secret does not hold the control token: %+v", sec)
		}
	}},
	{"three core replicas on PostgreSQL", values("controlToken.existingSecret", "jeton-equipe", "core.replicas", 3,
		"core.database.existingSecret", "pg-sandbox", "core.database.existingSecretKey", "uri"), func(t *testing.T, r *rendered) {
		core := r.deployments[svcName("proconnect")]
		if got := *core.Spec.Replicas; got != 3 {
			t.Errorf("core replicas %d, want 3", got)
		}
		env := envOf(core)
		if ref := env["PROCONNECT_SANDBOX_DATABASE"].ValueFrom; ref == nil || ref.SecretKeyRef == nil ||
			ref.SecretKeyRef.Name != "pg-sandbox" || ref.SecretKeyRef.Key != "uri" {
			t.Errorf("core's PROCONNECT_SANDBOX_DATABASE is not the Secret pg-sandbox/uri: %+v", env["PROCONNECT_SANDBOX_DATABASE"])
		}
		if ref := env["PROCONNECT_SANDBOX_CONTROL_TOKEN"].ValueFrom; ref == nil || ref.SecretKeyRef.Name != "jeton-equipe" || ref.SecretKeyRef.Key != "control-token" {
			t.Errorf("control token not from the existing Secret: %+v", env["PROCONNECT_SANDBOX_CONTROL_TOKEN"])
		}
		if len(r.secrets) != 0 {
			t.Errorf("Secrets %v made though both are given as existing Secrets", sortedKeys(r.secrets))
		}
		if !egressHasPort(r.networkPolicies[svcName("proconnect")], 5432) {
			t.Error("the core's NetworkPolicy does not let it reach PostgreSQL on 5432")
		}
		if egressHasPort(r.networkPolicies[svcName("portal")], 5432) {
			t.Error("the portal may reach PostgreSQL")
		}
		for name, d := range r.deployments {
			if name != svcName("proconnect") && *d.Spec.Replicas != 1 {
				t.Errorf("%s has %d replicas: the mocks keep their state in memory and run once", name, *d.Spec.Replicas)
			}
		}
	}},
	{"database by URL", values("controlToken.value", "t", "core.replicas", 2, "core.database.url", "postgres://u:p@pg:5432/sbx"), func(t *testing.T, r *rendered) {
		sec := r.secrets[releaseName+"-proconnect-sandbox"]
		if sec == nil || sec.StringData["database-url"] != "postgres://u:p@pg:5432/sbx" {
			t.Fatalf("the database URL is not in the chart's Secret: %+v", sec)
		}
		ref := envOf(r.deployments[svcName("proconnect")])["PROCONNECT_SANDBOX_DATABASE"].ValueFrom
		if ref == nil || ref.SecretKeyRef.Name != sec.Name || ref.SecretKeyRef.Key != "database-url" {
			t.Errorf("the core does not read the URL from the chart's Secret: %+v", ref)
		}
	}},
	{"ingress with TLS", values("controlToken.value", "t", "ingress.enabled", true, "ingress.domain", "bas.example.org",
		"ingress.hosts.franceconnect", "fc.example.org", "ingress.tls.enabled", true, "ingress.tls.secretName", "bas-tls",
		"ingress.className", "nginx"), func(t *testing.T, r *rendered) {
		host := func(c layout.Component) string {
			if c.Name == "franceconnect" {
				return "fc.example.org"
			}
			return c.Name + ".bas.example.org"
		}
		wantPublic(t, r, func(c layout.Component) string { return "https://" + host(c) })
		ing := r.ingresses[releaseName+"-proconnect-sandbox"]
		if ing == nil {
			t.Fatalf("no Ingress: %v", sortedKeys(r.ingresses))
		}
		rules := map[string]string{}
		for _, rule := range ing.Spec.Rules {
			for _, p := range rule.HTTP.Paths {
				svc := r.services[p.Backend.Service.Name]
				if svc == nil {
					t.Errorf("host %s goes to Service %s, which the chart does not make", rule.Host, p.Backend.Service.Name)
					continue
				}
				if !slices.ContainsFunc(svc.Spec.Ports, func(sp corev1.ServicePort) bool { return sp.Name == p.Backend.Service.Port.Name }) {
					t.Errorf("host %s goes to port %q, which Service %s lacks", rule.Host, p.Backend.Service.Port.Name, svc.Name)
				}
				rules[rule.Host] = svc.Name
			}
		}
		for _, c := range layout.Components() {
			if rules[host(c)] != svcName(c.Name) {
				t.Errorf("host %s goes to %q, want %s", host(c), rules[host(c)], svcName(c.Name))
			}
		}
		if len(ing.Spec.TLS) != 1 || ing.Spec.TLS[0].SecretName != "bas-tls" || len(ing.Spec.TLS[0].Hosts) != len(layout.Components()) {
			t.Errorf("TLS %+v, want one entry with bas-tls and every host", ing.Spec.TLS)
		}
		if ing.Spec.IngressClassName == nil || *ing.Spec.IngressClassName != "nginx" {
			t.Errorf("ingressClassName %v, want nginx", ing.Spec.IngressClassName)
		}
	}},
	{"explicit public URLs", values("controlToken.value", "t", "publicURLs.proconnect", "https://connect.example.org/"), func(t *testing.T, r *rendered) {
		if got := envOf(r.deployments[svcName("portal")])["PROCONNECT_SANDBOX_PROCONNECT_PUBLIC_URL"].Value; got != "https://connect.example.org" {
			t.Errorf("the portal is told the core's public URL is %q", got)
		}
	}},
	{"persistence without database", values("controlToken.value", "t", "core.persistence.enabled", true, "core.persistence.storageClass", "rapide"), func(t *testing.T, r *rendered) {
		core := r.deployments[svcName("proconnect")]
		if core.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
			t.Errorf("core strategy %q: SQLite is locked by one process, the old pod must stop first", core.Spec.Strategy.Type)
		}
		if got := envOf(core)["PROCONNECT_SANDBOX_DATA"].Value; got != "/data" {
			t.Errorf("PROCONNECT_SANDBOX_DATA=%q, want /data", got)
		}
		pvc := r.pvcs[svcName("proconnect")]
		if pvc == nil || pvc.Spec.StorageClassName == nil || *pvc.Spec.StorageClassName != "rapide" {
			t.Fatalf("no claim in class rapide: %v", sortedKeys(r.pvcs))
		}
		if pvc.Annotations["helm.sh/resource-policy"] != "keep" {
			t.Error("uninstall would delete the certifications' volume")
		}
		mounted := false
		for _, v := range core.Spec.Template.Spec.Volumes {
			if v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName == pvc.Name {
				mounted = slices.ContainsFunc(core.Spec.Template.Spec.Containers[0].VolumeMounts,
					func(m corev1.VolumeMount) bool { return m.Name == v.Name && m.MountPath == "/data" })
			}
		}
		if !mounted {
			t.Error("the claim is not mounted on /data in the core")
		}
	}},
	{"network policy off, resources for one component", values("controlToken.value", "t", "networkPolicy.enabled", false,
		"components.mailbox.resources", map[string]any{"limits": map[string]any{"memory": "1Gi"}}), func(t *testing.T, r *rendered) {
		if len(r.networkPolicies) != 0 {
			t.Errorf("NetworkPolicies %v though disabled", sortedKeys(r.networkPolicies))
		}
		if got := r.deployments[svcName("mailbox")].Spec.Template.Spec.Containers[0].Resources.Limits.Memory().String(); got != "1Gi" {
			t.Errorf("mailbox memory limit %s, want 1Gi", got)
		}
		if got := r.deployments[svcName("sirene")].Spec.Template.Spec.Containers[0].Resources.Limits.Memory().String(); got != "256Mi" {
			t.Errorf("sirene memory limit %s, want the default 256Mi", got)
		}
	}},
}

// TestChartRenders renders every value set and checks what must hold in
// all of them, then what each set is for.
func TestChartRenders(t *testing.T) {
	binEnv := readEnv(t)
	for _, vs := range valueSets {
		t.Run(vs.name, func(t *testing.T) {
			r := render(t, vs.values)
			checkComponents(t, r)
			checkEnv(t, r, binEnv)
			checkSecurity(t, r)
			checkNetworkPolicies(t, r)
			checkTestPod(t, r, conformanceFlags(t))
			vs.check(t, r)
		})
	}
}

// checkComponents: one Deployment and one Service per component of
// sandbox/layout, on its ports, the Service selecting the Deployment's
// pods, both probes on the health check.
func checkComponents(t *testing.T, r *rendered) {
	t.Helper()
	comps := layout.Components()
	if len(r.deployments) != len(comps) || len(r.services) != len(comps) {
		t.Errorf("%d Deployments %v and %d Services %v, want one each per component (%d)",
			len(r.deployments), sortedKeys(r.deployments), len(r.services), sortedKeys(r.services), len(comps))
	}
	for _, c := range comps {
		d, svc := r.deployments[svcName(c.Name)], r.services[svcName(c.Name)]
		if d == nil || svc == nil {
			t.Errorf("%s: Deployment %v, Service %v", c.Name, d != nil, svc != nil)
			continue
		}
		pod := d.Spec.Template
		sel, err := metav1LabelSelector(d)
		if err != nil || !sel.Matches(labels.Set(pod.Labels)) {
			t.Errorf("%s: the Deployment's selector does not select its pods (%v)", c.Name, err)
		}
		if len(pod.Spec.Containers) != 1 {
			t.Fatalf("%s: %d containers, want 1", c.Name, len(pod.Spec.Containers))
		}
		ctr := pod.Spec.Containers[0]
		if want := []string{"serve", c.Name}; !slices.Equal(ctr.Args, want) {
			t.Errorf("%s: args %v, want %v", c.Name, ctr.Args, want)
		}
		want := map[string]int32{"http": int32(c.Port)}
		if c.Name == "mailbox" {
			want["smtp"] = layout.SMTPPort
		}
		got := map[string]int32{}
		for _, p := range ctr.Ports {
			got[p.Name] = p.ContainerPort
		}
		if !maps.Equal(got, want) {
			t.Errorf("%s: container ports %v, want %v (sandbox/layout)", c.Name, got, want)
		}
		gotSvc := map[string]int32{}
		for _, p := range svc.Spec.Ports {
			gotSvc[p.Name] = p.Port
			if tp := resolvePort(ctr, p.TargetPort); tp != p.Port {
				t.Errorf("%s: Service port %s goes to container port %d, want %d", c.Name, p.Name, tp, p.Port)
			}
		}
		if !maps.Equal(gotSvc, want) {
			t.Errorf("%s: Service ports %v, want %v (sandbox/layout)", c.Name, gotSvc, want)
		}
		if len(svc.Spec.Selector) == 0 || !labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(pod.Labels)) {
			t.Errorf("%s: the Service's selector %v does not select the pods %v", c.Name, svc.Spec.Selector, pod.Labels)
		}
		for _, other := range comps {
			if other.Name != c.Name && labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(r.deployments[svcName(other.Name)].Spec.Template.Labels)) {
				t.Errorf("%s: the Service also selects the pods of %s", c.Name, other.Name)
			}
		}
		for kind, pr := range map[string]*corev1.Probe{"readiness": ctr.ReadinessProbe, "liveness": ctr.LivenessProbe} {
			if pr == nil || pr.HTTPGet == nil {
				t.Errorf("%s: no %s probe by HTTP GET", c.Name, kind)
				continue
			}
			if pr.HTTPGet.Path != healthPath || resolvePort(ctr, pr.HTTPGet.Port) != int32(c.Port) {
				t.Errorf("%s: %s probe GET %s on port %d, want %s on %d", c.Name, kind, pr.HTTPGet.Path, resolvePort(ctr, pr.HTTPGet.Port), healthPath, c.Port)
			}
		}
	}
}

// checkEnv: every variable of the sandbox the chart sets is one the binary
// reads for that component, each component knows where every other one is
// (its Service), and the control token comes from a Secret.
func checkEnv(t *testing.T, r *rendered, binEnv map[string]map[string]bool) {
	t.Helper()
	for _, c := range layout.Components() {
		d := r.deployments[svcName(c.Name)]
		if d == nil {
			continue
		}
		env := envOf(d)
		for name := range env {
			if !strings.HasPrefix(name, layout.EnvPrefix) || binEnv[c.Name][name] {
				continue
			}
			if why, ok := pendingEnv[name]; ok && !anyReads(binEnv, name) {
				t.Logf("%s: %s is for %s, which this binary does not have yet: it ignores the variable", c.Name, name, why)
				continue
			}
			t.Errorf("%s: the chart sets %s, which `proconnect-sandbox serve %s` does not read", c.Name, name, c.Name)
		}
		for _, peer := range layout.Components() {
			key := layout.EnvName(peer.Name + "-internal-url")
			if want := fmt.Sprintf("http://%s:%d", svcName(peer.Name), peer.Port); env[key].Value != want {
				t.Errorf("%s: %s=%q, want %q", c.Name, key, env[key].Value, want)
			}
			if r.services[svcName(peer.Name)] == nil {
				t.Errorf("%s: the internal URL of %s names a Service the chart does not make", c.Name, peer.Name)
			}
		}
		if got, want := env["PROCONNECT_SANDBOX_SMTP_ADDR"].Value, fmt.Sprintf("%s:%d", svcName("mailbox"), layout.SMTPPort); got != want {
			t.Errorf("%s: PROCONNECT_SANDBOX_SMTP_ADDR=%q, want %q", c.Name, got, want)
		}
		if env["PROCONNECT_SANDBOX_BIND"].Value != "0.0.0.0" {
			t.Errorf("%s: binds %q: a probe and peers reach the pod by its IP", c.Name, env["PROCONNECT_SANDBOX_BIND"].Value)
		}
		tok := env["PROCONNECT_SANDBOX_CONTROL_TOKEN"]
		if tok.Value != "" || tok.ValueFrom == nil || tok.ValueFrom.SecretKeyRef == nil {
			t.Errorf("%s: the control token is not taken from a Secret: %+v", c.Name, tok)
		} else if sec, ours := r.secrets[tok.ValueFrom.SecretKeyRef.Name]; ours && sec.StringData[tok.ValueFrom.SecretKeyRef.Key] == "" {
			t.Errorf("%s: the chart's Secret %s has no key %s", c.Name, sec.Name, tok.ValueFrom.SecretKeyRef.Key)
		}
	}
}

// checkTestPod: helm test's pod runs conformance with flags it has, every
// component's public URL, a relay to the Service of each one published on
// localhost, and the events endpoint on its own address.
func checkTestPod(t *testing.T, r *rendered, flags map[string]bool) {
	t.Helper()
	pod := r.pods[svcName("conformance")]
	if pod == nil || len(r.pods) != 1 {
		t.Errorf("helm test pods %v, want %s", sortedKeys(r.pods), svcName("conformance"))
		return
	}
	if pod.Annotations["helm.sh/hook"] != "test" {
		t.Errorf("the conformance pod is not a test hook: %v", pod.Annotations)
	}
	ctr := pod.Spec.Containers[0]
	if len(ctr.Args) == 0 || ctr.Args[0] != "conformance" {
		t.Fatalf("test pod args %v, want conformance …", ctr.Args)
	}
	args := map[string]string{}
	for _, a := range ctr.Args[1:] {
		name, val, ok := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		if !ok || !flags[name] {
			t.Errorf("test pod: %q is not a flag of conformance", a)
		}
		args[name] = val
	}
	core := envOf(r.deployments[svcName("proconnect")])
	var relays []string
	for _, c := range layout.Components() {
		public := core[layout.EnvName(c.Name+"-public-url")].Value
		if c.Name != "portal" && args[c.Name+"-url"] != public {
			t.Errorf("test pod: --%s-url=%q, want the public URL %q", c.Name, args[c.Name+"-url"], public)
		}
		if public == fmt.Sprintf("http://localhost:%d", c.Port) {
			relays = append(relays, fmt.Sprintf("127.0.0.1:%d=%s:%d", c.Port, svcName(c.Name), c.Port))
		}
	}
	var got []string
	if args["forward"] != "" {
		got = strings.Split(args["forward"], ",")
	}
	slices.Sort(got)
	slices.Sort(relays)
	if !slices.Equal(got, relays) {
		t.Errorf("test pod: --forward %v, want %v", got, relays)
	}
	if args["sink-url"] != "http://$(POD_IP):7199" || !slices.ContainsFunc(ctr.Env, func(e corev1.EnvVar) bool {
		return e.Name == "POD_IP" && e.ValueFrom != nil && e.ValueFrom.FieldRef != nil && e.ValueFrom.FieldRef.FieldPath == "status.podIP"
	}) {
		t.Errorf("test pod: the core cannot reach its events endpoint: --sink-url=%q, env %+v", args["sink-url"], ctr.Env)
	}
	if !slices.ContainsFunc(ctr.Env, func(e corev1.EnvVar) bool {
		return e.Name == "PROCONNECT_SANDBOX_CONTROL_TOKEN" && e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil
	}) {
		t.Error("test pod: no control token from the Secret")
	}
	if sc := ctr.SecurityContext; sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		t.Errorf("test pod: root file system writable: %+v", sc)
	}
}

func anyReads(binEnv map[string]map[string]bool, name string) bool {
	for _, env := range binEnv {
		if env[name] {
			return true
		}
	}
	return false
}

// checkSecurity: non-root, read-only root file system, no privilege, no
// service account token.
func checkSecurity(t *testing.T, r *rendered) {
	t.Helper()
	for name, d := range r.deployments {
		pod := d.Spec.Template.Spec
		psc := pod.SecurityContext
		if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.RunAsUser == nil || *psc.RunAsUser == 0 {
			t.Errorf("%s: pod not forced to a non-root numeric user: %+v", name, psc)
		}
		// Service links would put RELEASE_…_PORT=tcp://… in the environment:
		// under a release named proconnect-sandbox, that is
		// PROCONNECT_SANDBOX_PROCONNECT_PORT, which the binary reads as its port.
		if pod.EnableServiceLinks == nil || *pod.EnableServiceLinks {
			t.Errorf("%s: service links on: Kubernetes would set variables the binary reads", name)
		}
		if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
			t.Errorf("%s: the pod mounts a service account token it never uses", name)
		}
		for _, ctr := range pod.Containers {
			sc := ctr.SecurityContext
			if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
				sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
				sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") {
				t.Errorf("%s: container security context %+v, want read-only root, no escalation, all capabilities dropped", name, sc)
			}
			if ctr.Resources.Requests.Memory().IsZero() || ctr.Resources.Limits.Memory().IsZero() {
				t.Errorf("%s: no memory request or limit", name)
			}
		}
	}
}

// checkNetworkPolicies: one policy per component, selecting its pods only;
// ingress on its published ports only; egress only to the components it
// calls, on their ports (plus DNS, and for the core PostgreSQL and the
// portals' events URLs).
func checkNetworkPolicies(t *testing.T, r *rendered) {
	t.Helper()
	if len(r.networkPolicies) == 0 {
		return
	}
	for _, c := range layout.Components() {
		np := r.networkPolicies[svcName(c.Name)]
		if np == nil {
			t.Errorf("%s: no NetworkPolicy", c.Name)
			continue
		}
		sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
		if err != nil || sel.Empty() {
			t.Errorf("%s: NetworkPolicy selector %v (%v): it would select every pod", c.Name, np.Spec.PodSelector, err)
			continue
		}
		var selected []string
		for _, w := range workloads(r) {
			if sel.Matches(labels.Set(w.tpl.Labels)) {
				selected = append(selected, w.name)
			}
		}
		if !slices.Equal(selected, []string{svcName(c.Name)}) {
			t.Errorf("%s: NetworkPolicy selects the pods of %v", c.Name, selected)
		}
		if !slices.Equal(np.Spec.PolicyTypes, []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}) {
			t.Errorf("%s: policy types %v, want Ingress and Egress", c.Name, np.Spec.PolicyTypes)
		}
		ctr := r.deployments[svcName(c.Name)].Spec.Template.Spec.Containers[0]
		var open []int32
		for _, rule := range np.Spec.Ingress {
			if len(rule.Ports) == 0 {
				t.Errorf("%s: an ingress rule opens every port", c.Name)
			}
			for _, p := range rule.Ports {
				open = append(open, resolvePort(ctr, *p.Port))
			}
		}
		var published []int32
		for _, p := range ctr.Ports {
			published = append(published, p.ContainerPort)
		}
		slices.Sort(open)
		slices.Sort(published)
		if !slices.Equal(open, published) {
			t.Errorf("%s: ingress open on %v, want the published ports %v", c.Name, open, published)
		}
		var reached []string
		for _, rule := range np.Spec.Egress {
			for _, to := range rule.To {
				if to.PodSelector == nil {
					continue
				}
				psel, err := metav1.LabelSelectorAsSelector(to.PodSelector)
				if err != nil || psel.Empty() {
					t.Errorf("%s: egress to every pod (%v)", c.Name, err)
					continue
				}
				var target *corev1.PodTemplateSpec
				var targetName string
				for _, w := range workloads(r) {
					if psel.Matches(labels.Set(w.tpl.Labels)) {
						if target != nil {
							t.Errorf("%s: one egress peer selects the pods of %s and %s", c.Name, targetName, w.name)
						}
						target, targetName = w.tpl, w.name
					}
				}
				if target == nil {
					t.Errorf("%s: an egress peer selects no pod of the chart: %v", c.Name, to.PodSelector.MatchLabels)
					continue
				}
				peer := strings.TrimPrefix(targetName, svcName(""))
				for _, p := range rule.Ports {
					port := p.Port.IntValue()
					found := ""
					for _, cp := range target.Spec.Containers[0].Ports {
						if int(cp.ContainerPort) == port {
							found = cp.Name
						}
					}
					if found == "" {
						t.Errorf("%s: egress to %s on port %d, which it does not publish", c.Name, peer, port)
					}
					reached = append(reached, peer+":"+found)
				}
			}
		}
		slices.Sort(reached)
		want := calls[c.Name]
		if c.Name == "proconnect" && len(r.pods) > 0 {
			want = append([]string{"conformance:sink"}, want...)
			slices.Sort(want)
		}
		if !slices.Equal(reached, want) {
			t.Errorf("%s: may reach %v, want exactly %v", c.Name, reached, want)
		}
		if len(calls[c.Name]) == 0 && len(np.Spec.Egress) != 0 {
			t.Errorf("%s calls no one, yet its policy lets it out: %+v", c.Name, np.Spec.Egress)
		}
		if c.Name == "mailbox" {
			for _, rule := range np.Spec.Ingress {
				if resolvePort(ctr, *rule.Ports[0].Port) == layout.SMTPPort && (len(rule.From) == 0 || rule.From[0].PodSelector == nil) {
					t.Errorf("mailbox: SMTP open to anyone, want the core only: %+v", rule.From)
				}
			}
		}
	}
}

type workload struct {
	name string
	tpl  *corev1.PodTemplateSpec
}

// workloads are the pods the chart makes: each Deployment's, and helm
// test's.
func workloads(r *rendered) []workload {
	var out []workload
	for _, name := range sortedKeys(r.deployments) {
		out = append(out, workload{name, &r.deployments[name].Spec.Template})
	}
	for _, name := range sortedKeys(r.pods) {
		p := r.pods[name]
		out = append(out, workload{name, &corev1.PodTemplateSpec{ObjectMeta: p.ObjectMeta, Spec: p.Spec}})
	}
	return out
}

func envOf(d *appsv1.Deployment) map[string]corev1.EnvVar {
	out := map[string]corev1.EnvVar{}
	for _, e := range d.Spec.Template.Spec.Containers[0].Env {
		out[e.Name] = e
	}
	return out
}

func wantPublic(t *testing.T, r *rendered, want func(layout.Component) string) {
	t.Helper()
	for _, c := range layout.Components() {
		key := layout.EnvName(c.Name + "-public-url")
		for _, d := range r.deployments {
			if got := envOf(d)[key].Value; got != want(c) {
				t.Errorf("%s: %s=%q, want %q", d.Name, key, got, want(c))
			}
		}
	}
}

func egressHasPort(np *networkingv1.NetworkPolicy, port int) bool {
	if np == nil {
		return false
	}
	for _, rule := range np.Spec.Egress {
		for _, p := range rule.Ports {
			if p.Port != nil && p.Port.IntValue() == port {
				return true
			}
		}
	}
	return false
}

// resolvePort is the container port a named or numbered port designates (0
// when none).
func resolvePort(ctr corev1.Container, p intstr.IntOrString) int32 {
	if p.Type == intstr.Int {
		return p.IntVal
	}
	for _, cp := range ctr.Ports {
		if cp.Name == p.StrVal {
			return cp.ContainerPort
		}
	}
	return 0
}

func metav1LabelSelector(d *appsv1.Deployment) (labels.Selector, error) {
	return metav1.LabelSelectorAsSelector(d.Spec.Selector)
}
