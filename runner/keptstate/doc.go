// Package keptstate owns where plumb keeps the state of projects that
// have no backend of their own: the data dir (the engine's local
// backend), or a backend every replica shares, the engine's own pg or s3
// (locked with use_lockfile). It writes the backend configuration the
// engine reads, and migrates kept state from the data dir into a shared
// backend with the engine's own init -migrate-state, never by copying
// state itself.
//
// It imports only the root, engine and runner/rootmod.
package keptstate
