// Package pgtest gives tests a real PostgreSQL: a throwaway cluster made
// from the installed server binaries (Debian's /usr/lib/postgresql/N/bin,
// which `make tools` installs when missing), started once per test binary
// on first use, with a fresh database per test (URL).
//
// Use it with TestMain, which stops the cluster and removes its files:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }
//
// The server is a child of the test binary that dies with it, so a test
// binary killed by a timeout leaves no server running. When the binaries
// are missing, tests skip with a pointer to `make tools`; with CI=true
// they fail instead, so CI can never pass by skipping.
//
// It imports none of plumb's packages.
package pgtest
