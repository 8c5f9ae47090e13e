// Package postgres implements plumb.Store on PostgreSQL (pgx), for plumb
// servers that share one database: several `plumb serve` replicas and the
// CLI verbs pointed at it with --database-url.
//
// Correctness across processes lives in the database, never in this
// process: AcquireLock and WaitForLock take a transaction-scoped advisory
// lock on the key, so a lock's holder and its line change atomically for
// every replica; appends to a run's log lock the run's row. Schema
// migrations are embedded .sql files (migrations/), applied at Open in one
// transaction under an advisory lock, so replicas starting together apply
// each once.
//
// The schema mirrors store/sqlite's and the SQL is shared with it
// (internal/sqlstore; what is PostgreSQL's own is in dialect.go), so both
// pass store/storetest alike: IDs are made in Go (NewID), times are UTC
// RFC 3339 text with a fixed nine-digit fraction (timestamptz keeps
// microseconds only, and a record must read back exactly as stored), and
// every text column that is compared or sorted uses the "C" collation, so
// order is bytewise whatever the database's locale. JSON is stored as
// text: it is read whole.
//
// DB also hands its pool to the queue (Pool), which keeps River's tables
// and its own in the same database.
//
// It imports only the root package (and internal/sqlmigrate, internal/sqlstore).
package postgres
