// Package storetest is the conformance suite for plumb.Store: every
// implementation calls Run from its own tests with a fresh, real store, so
// callers can rely on the same behaviour (errors, ordering, atomic locks)
// whichever database is behind it. It is a test helper and may import
// anything.
package storetest
