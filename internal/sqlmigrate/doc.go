// Package sqlmigrate applies embedded .sql migrations inside a transaction
// and records them in a table of the caller's choosing. The store and the
// queue share one database file but keep their own migration histories.
// The SQL it runs is plain enough for SQLite and PostgreSQL alike.
package sqlmigrate
