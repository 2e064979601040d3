// Package postgres is the ProConnect core's Store on PostgreSQL (pgx), the
// one that several replicas of the core share: certifications, outboxes,
// run-time portal registrations, the browsers' login flows and sessions,
// and the leases of periodic jobs all live in the database, so that any
// replica serves any request and each event or mail goes out from one
// replica (claims take rows FOR UPDATE SKIP LOCKED).
//
// Open creates or migrates the schema (numbered migrations under an
// advisory lock, so replicas starting together apply each one once). It is
// not a general PostgreSQL layer: the tables are the core's alone.
package postgres
