// Package sqlite implements plumb.Store on an embedded SQLite file
// (modernc.org/sqlite: pure Go, no cgo).
//
// The file runs in WAL mode with a 10 s busy timeout and foreign keys on, so
// several processes may share it: write transactions begin IMMEDIATE, which
// makes lock acquisition atomic across processes. Schema migrations are
// embedded .sql files applied at Open. The SQL is shared with
// store/postgres (internal/sqlstore: $n placeholders, IDs made in Go, times
// as text); this package keeps what is SQLite's own (dialect.go). Every table
// is prefixed plumb_ because River's queue tables will live in the same file.
//
// It imports only the root package (and internal/sqlmigrate, internal/sqlstore).
package sqlite
