// Package pgcluster runs a throwaway PostgreSQL cluster from Debian's
// server binaries, for the tests (internal/pgtest) and the webhook bench:
// initdb in a temp dir, the server on a free loopback port, as the
// postgres user when running as root.
package pgcluster
