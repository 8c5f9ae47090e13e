// Package store groups plumb's implementations of plumb.Store, one
// subpackage per database: sqlite (embedded, the default) and postgres
// (one database several servers share). Each imports only the root
// package; storetest is the conformance suite every one of them must pass.
package store
