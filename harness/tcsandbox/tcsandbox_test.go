package tcsandbox_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/testcontainers/testcontainers-go"

	"github.com/proconnect-sandbox/proconnect-sandbox/harness"
	"github.com/proconnect-sandbox/proconnect-sandbox/harness/tcsandbox"
)

// needDocker skips (or, under CI, fails) when no Docker engine or no image
// is there to test with.
func needDocker(t *testing.T, img string) {
	t.Helper()
	// under CI=true the Docker tests always run: a missing engine fails them
	if os.Getenv("PROCONNECT_SANDBOX_DOCKER_TESTS") != "1" && os.Getenv("CI") != "true" {
		t.Skip("PROCONNECT_SANDBOX_DOCKER_TESTS=1 (or CI=true) runs the tests that need a Docker engine and the image (.ci/run sets it): the testcontainers module was not tested")
	}
	missing := func(what string) {
		t.Fatalf("%s, though PROCONNECT_SANDBOX_DOCKER_TESTS=1 or CI=true asks for the Docker tests", what)
	}
	if err := exec.Command("docker", "info").Run(); err != nil {
		missing("no Docker engine answers (docker info)")
	}
	if err := exec.Command("docker", "image", "inspect", img).Run(); err != nil {
		missing("no image " + img + " (build it as the README says, section Containers)")
	}
}

func TestRunServesEveryComponentAndPassesThePortalSuite(t *testing.T) {
	for k, v := range map[string]string{"TESTCONTAINERS_RYUK_DISABLED": "true", "TESTCONTAINERS_HOST_OVERRIDE": "127.0.0.1"} {
		if os.Getenv(k) == "" {
			t.Setenv(k, v)
		}
	}
	img := os.Getenv("PROCONNECT_SANDBOX_IMAGE")
	if img == "" {
		img = "proconnect-sandbox:dev"
	}
	needDocker(t, img)
	ctx := context.Background()
	start := time.Now()
	sb, err := tcsandbox.Run(ctx, img, tcsandbox.WithControlToken("jeton-du-test"), tcsandbox.WithData())
	testcontainers.CleanupContainer(t, sb)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("sandbox container ready in %s", time.Since(start).Round(time.Millisecond))
	logs, err := sb.Logs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	banner, _ := io.ReadAll(logs)
	logs.Close()
	if !bytes.Contains(banner, []byte("données gardées dans /data")) {
		t.Fatalf("WithData: the core does not keep its store in /data:\n%s", banner)
	}
	for _, name := range []string{"proconnect", "franceconnect", "sirene", "piste", "portal", "mailbox", "apientreprise"} {
		resp, err := http.Get(sb.URL(name) + "/__sandbox/healthz")
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("%s at %s: %v", name, sb.URL(name), err)
		}
		resp.Body.Close()
	}
	// The issuer is the host's URL, the one tokens carry.
	resp, err := http.Get(sb.FranceConnectURL() + "/api/v2/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	resp.Body.Close()
	if !bytes.Contains(b.Bytes(), []byte(`"issuer":"`+sb.FranceConnectURL()+`/api/v2"`)) {
		t.Fatalf("discovery: %s", b.String())
	}
	// The portal suite and the register's, against the container (its store
	// on SQLite in /data: WithData): the
	// browser-side URLs are the host's ports. (The proconnect suite's own
	// events endpoint lives on the host's loopback, which the container
	// cannot reach: docker-compose.yml's conformance profile runs it.)
	var out bytes.Buffer
	res, err := harness.Run(ctx, harness.RunOptions{Suites: []string{"portail", "registre", "piste"}, Format: "progress",
		Concurrency: 4, Output: &out, NoColors: true, Target: harness.Target{ProConnectURL: sb.ProConnectURL(),
			FranceConnectURL: sb.FranceConnectURL(), SireneURL: sb.SireneURL(), PisteURL: sb.PisteURL(), MailboxURL: sb.MailboxURL(),
			APIEntrepriseURL: sb.APIEntrepriseURL(), ControlToken: sb.ControlToken(), Portal: harness.ReferencePortal(sb.PortalURL())}})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Passed || len(res.NotApplicable) > 0 {
		t.Fatalf("against the container: %d passed, failed %v, %d not applicable\n%s", res.PassedCount, res.Failed, len(res.NotApplicable), out.String())
	}
	t.Logf("%d scenarios passed against the container", res.PassedCount)
}
