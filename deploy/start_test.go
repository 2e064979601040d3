package deploy

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/proconnect-sandbox/proconnect-sandbox/sandbox/layout"
)

// TestComponentsStartWithTheChartsEnvironment runs each component as its
// pod would: the binary built from the checkout, the Deployment's
// arguments and environment (Secrets and the memory limit resolved as the
// kubelet does), on free ports instead of the fixed ones. Each must start,
// answer the probe's GET under an IP address as Host without the token,
// and refuse a control call without it: the chart's values are ones the
// binary accepts, and the probes can pass.
func TestComponentsStartWithTheChartsEnvironment(t *testing.T) {
	readEnv(t)
	r := render(t, valueSets[0].values)
	for _, c := range layout.Components() {
		t.Run(c.Name, func(t *testing.T) {
			d := r.deployments[svcName(c.Name)]
			ctr := d.Spec.Template.Spec.Containers[0]
			env := []string{"HOME=" + t.TempDir()}
			for _, e := range ctr.Env {
				env = append(env, e.Name+"="+resolveEnv(t, r, ctr, e))
			}
			// free ports: the tests must not collide with a sandbox running here
			env = append(env, layout.EnvName(c.Name+"-port")+"=0")
			if c.Name == "mailbox" {
				env = append(env, layout.EnvName("mailbox-smtp-port")+"=0")
			}
			addr := startComponent(t, c.Name, ctr.Args, env)
			probe := ctr.ReadinessProbe.HTTPGet
			resp, err := http.Get("http://" + addr + probe.Path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("GET %s: %d, want 200", probe.Path, resp.StatusCode)
			}
			resp, err = http.Get("http://" + addr + "/__sandbox/journal")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("GET /__sandbox/journal without the token: %d, want 401", resp.StatusCode)
			}
		})
	}
}

// resolveEnv gives a variable the value the kubelet would.
func resolveEnv(t *testing.T, r *rendered, ctr corev1.Container, e corev1.EnvVar) string {
	t.Helper()
	switch {
	case e.ValueFrom == nil:
		return e.Value
	case e.ValueFrom.SecretKeyRef != nil:
		sec := r.secrets[e.ValueFrom.SecretKeyRef.Name]
		if sec == nil {
			t.Fatalf("%s: Secret %s not made by the chart", e.Name, e.ValueFrom.SecretKeyRef.Name)
		}
		return sec.StringData[e.ValueFrom.SecretKeyRef.Key]
	case e.ValueFrom.ResourceFieldRef != nil && e.ValueFrom.ResourceFieldRef.Resource == "limits.memory":
		return strconv.FormatInt(ctr.Resources.Limits.Memory().Value(), 10)
	}
	t.Fatalf("%s: no way to resolve %+v", e.Name, e.ValueFrom)
	return ""
}

// startComponent starts the binary and returns the address its banner says
// the component listens on (as 127.0.0.1:PORT); it is stopped at cleanup.
func startComponent(t *testing.T, name string, args, env []string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	cmd := exec.CommandContext(ctx, binaryPath, args...)
	cmd.Env = env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
		cancel()
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) == 3 && f[0] == name {
				found <- f[2]
			}
		}
		close(found)
	}()
	select {
	case listen, ok := <-found:
		if !ok {
			t.Fatalf("serve %s stopped before listening:\n%s", name, stderr.String())
		}
		i := strings.LastIndex(listen, ":")
		if i < 0 {
			t.Fatalf("serve %s listens on %q", name, listen)
		}
		return fmt.Sprintf("127.0.0.1%s", listen[i:])
	case <-ctx.Done():
		t.Fatalf("serve %s did not listen within a minute:\n%s", name, stderr.String())
	}
	return ""
}
