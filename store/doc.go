// Package store groups plumb's implementations of plumb.Store, one
// subpackage per database: sqlite (embedded, the default) and, later,
// postgres. Each imports only the root package; storetest is the
// conformance suite every one of them must pass.
package store
