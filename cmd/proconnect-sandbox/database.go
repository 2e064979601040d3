package main

import (
	"fmt"
	"net/url"
	"strings"
)

// checkDatabase refuses --data with --database (the core keeps its state in
// one store) and a --database that is not a PostgreSQL URL.
func checkDatabase(dataDir, database string) error {
	if database == "" {
		return nil
	}
	if dataDir != "" {
		return fmt.Errorf("--data (SQLite, %s) and --database (PostgreSQL, %s) are both given: the core keeps its state in one store; give one of them",
			envName("data"), envName("database"))
	}
	u, err := url.Parse(database)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
		return fmt.Errorf("--database (%s) is not a PostgreSQL URL: expected postgres://user:password@host:port/database", envName("database"))
	}
	return nil
}

// databaseHost is where the database is, without its credentials, for the
// banner.
func databaseHost(database string) string {
	u, err := url.Parse(database)
	if err != nil {
		return "?"
	}
	return u.Host + "/" + strings.TrimPrefix(u.Path, "/")
}
