package harness

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/proconnect-sandbox/proconnect-sandbox/proconnect/postgres/pgtest"
)

// buildSandbox builds the sandbox's binary for replica processes.
func buildSandbox(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "proconnect-sandbox")
	build := exec.Command("go", "build", "-o", bin, "../cmd/proconnect-sandbox")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// TestSuitesAgainstReplicas runs the proconnect and portail suites whole
// against three core processes on one PostgreSQL database behind a round
// robin (each request to the next replica), the other components from one
// sandbox: every exclusive scenario applies (it moves the clock, injects
// faults, holds deliveries, rotates keys, reads the journal through
// whichever replica answers) and passes, as against one core. Then the
// portail suite runs twice at once, for two portals each with its own
// control token, against three replicas of a sandbox shared with a
// control token.
func TestSuitesAgainstReplicas(t *testing.T) {
	if testing.Short() {
		t.Skip("not in -short: three core processes, the proconnect and portail suites whole")
	}
	bin := buildSandbox(t)
	tags := "" // the suites whole
	if raceDetector {
		// go test ./... ran them whole without -race (.ci/run); under the
		// race detector (which watches this process, not the replicas)
		// the scenarios that change what the replicas share
		tags = "@exclusif"
	}

	t.Run("proconnect and portail suites", func(t *testing.T) {
		rs := startReplicaSet(t, pgtest.URL(t, "the suites against three core replicas"))
		for range 3 {
			rs.startProcess(bin)
		}
		var out bytes.Buffer
		res, err := Run(context.Background(), RunOptions{Suites: []string{"proconnect", "portail"}, Tags: tags, Concurrency: 4, Format: "progress",
			Output: &out, NoColors: true, Target: rs.target(ReferencePortal(rs.url("portal")))})
		if err != nil {
			t.Fatalf("%v\n%s", err, out.String())
		}
		t.Logf("%s: %d passed; requests per replica %v", res.Verdict, res.PassedCount, rs.rr.servedBy())
		if !res.Passed || res.FailedCount != 0 || len(res.NotApplicable) != 0 || res.PassedCount == 0 {
			t.Fatalf("%s; failed %v; not applicable %v\n%s", res.Verdict, res.Failed, res.NotApplicable, out.String())
		}
		rs.checkEveryReplicaServed(t)
	})

	t.Run("two teams at once", func(t *testing.T) {
		const owner = "jeton-du-bac-a-sable-partage"
		rs := startTokenReplicaSet(t, pgtest.URL(t, "two teams against three core replicas"), owner)
		for range 3 {
			rs.startProcess(bin)
		}
		teams := []team{{"A (portail-demo)", ReferencePortal(rs.url("portal"))}, secondTeam(t, rs.core, rs.url("piste"))}
		runTeamsAtOnce(t, tags, teams, func(decl *PortalDeclaration) Target {
			target := rs.target(decl)
			target.ControlToken = owner
			return target
		})
		rs.checkEveryReplicaServed(t)
	})
}

// target is the replica set as a conformance target, for the portal decl.
func (rs *replicaSet) target(decl *PortalDeclaration) Target {
	return Target{ProConnectURL: rs.core, FranceConnectURL: rs.url("franceconnect"), SireneURL: rs.url("sirene"),
		PisteURL: rs.url("piste"), MailboxURL: rs.url("mailbox"), APIEntrepriseURL: rs.url("apientreprise"), Portal: decl}
}

// checkEveryReplicaServed fails the test unless each replica took
// requests: a round robin that sent everything to one would prove nothing.
func (rs *replicaSet) checkEveryReplicaServed(t *testing.T) {
	t.Helper()
	served := rs.rr.servedBy()
	if len(served) != len(rs.procs) {
		t.Fatalf("requests per replica %v: not every one of the %d replicas served", served, len(rs.procs))
	}
	total := 0
	for _, n := range served {
		total += n
	}
	for b, n := range served {
		if n < total/(2*len(served)) {
			t.Errorf("replica %s served %d of %d requests only", b, n, total)
		}
	}
}
