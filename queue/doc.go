// Package queue keeps accepted webhook events durably and processes them
// with River (github.com/riverqueue/river) on the same SQLite file as the
// store.
//
// Accept writes the event row (plumb_events) and its River job in one
// transaction, so a delivery answered 202 survives a kill -9; a worker then
// hands the event to a plumb.EventHandler, whose error code decides the
// job's fate (see Worker). Every outcome is recorded on the event row:
// nothing is dropped silently.
//
// queue imports only the root package (see import_test.go); cmd/plumb
// wires it to the store's *sql.DB and to the handler.
package queue
