package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// composeCommand returns how to call Compose here: the docker CLI plugin, or
// the standalone docker-compose.
func composeCommand() ([]string, error) {
	if err := exec.Command("docker", "compose", "version").Run(); err == nil {
		return []string{"docker", "compose"}, nil
	}
	if p, err := exec.LookPath("docker-compose"); err == nil {
		return []string{p}, nil
	}
	return nil, errors.New("ni `docker compose` ni `docker-compose` n'est installé")
}

// runComposeConformance is conformance --compose FILE: it brings the stack of
// FILE up, runs its conformance profile (the suites in a container on the
// compose network), and takes the stack down unless keep.
func runComposeConformance(ctx context.Context, file, project, suites string, keep bool, stdout, stderr io.Writer) int {
	compose, err := composeCommand()
	if err != nil {
		fmt.Fprintln(stderr, "conformance --compose:", err)
		return exitUsage
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		fmt.Fprintln(stderr, "conformance --compose:", err)
		return exitUsage
	}
	if _, err := os.Stat(abs); err != nil {
		fmt.Fprintln(stderr, "conformance --compose:", err)
		return exitUsage
	}
	base := append(append([]string{}, compose[1:]...), "-f", abs, "--profile", "conformance")
	if project != "" {
		base = append(base, "-p", project)
	}
	do := func(args ...string) error {
		cmd := exec.CommandContext(ctx, compose[0], append(append([]string{}, base...), args...)...)
		cmd.Stdout, cmd.Stderr = stdout, stderr
		cmd.Env = os.Environ()
		if suites != "" {
			cmd.Env = append(cmd.Env, "CONFORMANCE_SUITES="+suites)
		}
		return cmd.Run()
	}
	start := time.Now()
	fmt.Fprintf(stdout, "conformance --compose: démarrage de %s\n", abs)
	if err := do("up", "-d"); err != nil {
		fmt.Fprintln(stderr, "conformance --compose: les conteneurs n'ont pas démarré :", err)
		_ = do("down", "-v")
		return exitUsage
	}
	fmt.Fprintf(stdout, "conformance --compose: conteneurs démarrés en %s ; les suites tournent dans le conteneur conformance\n", time.Since(start).Round(time.Millisecond))
	runErr := do("run", "--rm", "conformance")
	if !keep {
		_ = do("down", "-v")
	}
	var exit *exec.ExitError
	switch {
	case runErr == nil:
		return exitOK
	case errors.As(runErr, &exit):
		if exit.ExitCode() == exitError {
			return exitError
		}
		return exitUsage
	default:
		fmt.Fprintln(stderr, "conformance --compose:", runErr)
		return exitUsage
	}
}
