package main

import (
	"context"
	"strings"
	"testing"
)

// TestDatabaseErrors: --database with --data, a URL that is not
// PostgreSQL's, a database nobody serves: one clear line, a non-zero exit,
// never the password.
func TestDatabaseErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		code int
		want string
	}{
		{"both stores", []string{"serve", "proconnect", "--proconnect-port", "0", "--data", t.TempDir()},
			map[string]string{"PROCONNECT_SANDBOX_DATABASE": "postgres://u:secret@127.0.0.1:1/db"}, exitUsage,
			"--data (SQLite, PROCONNECT_SANDBOX_DATA) et --database (PostgreSQL, PROCONNECT_SANDBOX_DATABASE) sont donnés tous deux"},
		{"not a PostgreSQL URL", []string{"serve", "proconnect", "--proconnect-port", "0", "--database", "mysql://u:secret@h/db"}, nil, exitUsage,
			"--database (PROCONNECT_SANDBOX_DATABASE) n'est pas une URL PostgreSQL"},
		{"bad port", []string{"serve", "proconnect", "--proconnect-port", "0", "--database", "postgres://u:secret@127.0.0.1:port/db"}, nil, exitUsage,
			"n'est pas une URL PostgreSQL"},
		{"unreachable", []string{"serve", "proconnect", "--proconnect-port", "0", "--database", "postgres://u:secret@127.0.0.1:1/db?connect_timeout=2"}, nil, exitError,
			"démarrage impossible : proconnect: postgres: cannot reach the database 127.0.0.1:1/db"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut syncBuffer
			code := run(context.Background(), append([]string{"proconnect-sandbox"}, tc.args...), env(tc.env), &out, &errOut)
			msg := strings.TrimSpace(errOut.String())
			if code != tc.code || !strings.Contains(msg, tc.want) {
				t.Fatalf("exit %d, stderr %q; want exit %d and %q", code, msg, tc.code, tc.want)
			}
			if strings.Contains(msg, "secret") || strings.Count(msg, "\n") > 0 {
				t.Fatalf("stderr is not one line without the password: %q", msg)
			}
		})
	}
}
