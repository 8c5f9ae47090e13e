// Package queue keeps accepted webhook events durably and processes them
// with River (github.com/riverqueue/river) in the store's database: the
// same SQLite file (riversqlite), or the same PostgreSQL database
// (riverpgxv5), which several replicas may share.
//
// Accept writes the event row (plumb_events) and its River job in one
// transaction, so a delivery answered 202 survives a kill -9; a worker then
// hands the event to a plumb.EventHandler, whose error code decides the
// job's fate (see Worker). Every outcome is recorded on the event row:
// nothing is dropped silently.
//
// Both databases behave alike (the tests run each on both): a backend
// holds what differs, River's driver and transaction type, and a dialect
// the few statements whose SQL does; each database has its own migrations
// of plumb_events (migrations/ for SQLite, postgres/migrations/), and on
// PostgreSQL replicas starting together migrate under an advisory lock.
//
// queue imports only the root package (see import_test.go); cmd/plumb
// wires it to the store's *sql.DB or pgx pool and to the handler.
package queue
