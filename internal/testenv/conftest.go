package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

// ConftestVersion is the conftest scripts/tools.sh builds (CONFTEST_VERSION
// there): the reference `plumb policy test` is checked against.
const ConftestVersion = "0.71.1"

// Conftest returns the conftest binary `make tools` links at <tools>/conftest
// (outside bin/, which holds only the engines). It skips the test when it
// is missing, or fails it when CI=true.
func (tl Tools) Conftest(t testing.TB) string {
	t.Helper()
	p := filepath.Join(tl.Dir, "conftest")
	if _, err := os.Stat(p); err != nil {
		missing(t, "conftest not installed ("+p+" is missing): run `make tools` first")
	}
	return p
}
