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
		return fmt.Errorf("--data (SQLite, %s) et --database (PostgreSQL, %s) sont donnés tous deux : le cœur garde son état dans un seul stockage ; n'en donnez qu'un",
			envName("data"), envName("database"))
	}
	u, err := url.Parse(database)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
		return fmt.Errorf("--database (%s) n'est pas une URL PostgreSQL : attendu postgres://utilisateur:mot-de-passe@hôte:port/base", envName("database"))
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
