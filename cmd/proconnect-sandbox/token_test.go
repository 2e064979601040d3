package main

import (
	"context"
	"strings"
	"testing"
	"time"
)

// freePortsEnv puts every component of up on a free port.
func freePortsEnv(extra map[string]string) map[string]string {
	m := map[string]string{"PROCONNECT_SANDBOX_MAILBOX_SMTP_PORT": "0"}
	for _, c := range []string{"PROCONNECT", "FRANCECONNECT", "SIRENE", "PISTE", "PORTAL", "MAILBOX"} {
		m["PROCONNECT_SANDBOX_"+c+"_PORT"] = "0"
	}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

// TestBlankControlTokenRefused: a control token given blank (by flag or by
// the environment) would leave the control API open while its user
// believes it protected; every command that takes one refuses it at start,
// with exit 2 and one line saying why.
func TestBlankControlTokenRefused(t *testing.T) {
	const envToken = "PROCONNECT_SANDBOX_CONTROL_TOKEN"
	cases := []struct {
		name string
		args []string
		env  map[string]string
	}{
		{"up, empty flag", []string{"up", "--control-token", ""}, nil},
		{"up, empty flag with =", []string{"up", "--control-token="}, nil},
		{"up, blank flag", []string{"up", "--control-token", "   "}, nil},
		{"up, blank variable", []string{"up"}, map[string]string{envToken: " \t"}},
		{"up, token with spaces around", []string{"up", "--control-token", " tok "}, nil},
		{"up, token with a line break", []string{"up", "--control-token", "tok\n"}, nil},
		{"up, blank flag over a good variable", []string{"up", "--control-token", " "}, map[string]string{envToken: "tok"}},
		{"serve, empty flag", []string{"serve", "proconnect", "--control-token", ""}, nil},
		{"serve, blank variable", []string{"serve", "mailbox"}, map[string]string{envToken: "  "}},
		{"conformance, blank flag", []string{"conformance", "--suite", "piste", "--format", "progress", "--control-token", " "}, nil},
		{"conformance, empty flag", []string{"conformance", "--suite", "piste", "--format", "progress", "--control-token", ""}, nil},
		{"conformance, blank variable", []string{"conformance", "--suite", "piste", "--format", "progress"}, map[string]string{envToken: "\t"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// a command that wrongly starts runs until the deadline, then
			// stops with 0
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			var out, errOut syncBuffer
			code := run(ctx, append([]string{"proconnect-sandbox"}, tc.args...), env(freePortsEnv(tc.env)), &out, &errOut)
			if code != exitUsage {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitUsage, errOut.String())
			}
			msg := strings.TrimRight(errOut.String(), "\n")
			if strings.Contains(msg, "\n") || !strings.Contains(msg, "jeton de contrôle") || !strings.Contains(msg, "est vide") && !strings.Contains(msg, "espace") {
				t.Errorf("want one line about the control token; stderr:\n%s", errOut.String())
			}
			if out.String() != "" {
				t.Errorf("something started:\n%s", out.String())
			}
		})
	}
	// a real token still starts
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	var out, errOut syncBuffer
	if code := run(ctx, []string{"proconnect-sandbox", "up", "--control-token", "tok"}, env(freePortsEnv(nil)), &out, &errOut); code != exitOK ||
		!strings.Contains(out.String(), "demandent le jeton (bearer)") {
		t.Fatalf("up with a token: exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
}
