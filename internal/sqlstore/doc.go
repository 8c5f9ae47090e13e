// Package sqlstore is the SQL that store/sqlite and store/postgres share:
// one implementation of plumb.Store over database/sql, which each store
// embeds with a Dialect for what its database does differently (how a
// constraint violation reads, which text it can hold, locks across
// processes, and the few statements written apart for each planner).
//
// Both databases take the same schema and the same $n placeholders: IDs
// are made in Go (NewID), times are UTC RFC 3339 text with a fixed
// nine-digit fraction, so they sort as text and read back exactly.
//
// It imports only the root package.
package sqlstore
