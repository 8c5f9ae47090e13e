// Package store groups plumb's implementations of plumb.Store, one
// subpackage per database: sqlite (embedded, the default) and postgres
// (one database several servers share). Both share their SQL
// (internal/sqlstore) and keep only their dialect; each imports only the
// root package and the internal SQL layers. storetest is the conformance
// suite every one of them must pass.
package store
