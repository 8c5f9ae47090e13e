package testenv_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/plumbhq/plumb/internal/testenv"
)

// ConftestVersion is what scripts/tools.sh builds, and the installed
// conftest says so.
func TestConftestMatchesTools(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "scripts", "tools.sh"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^CONFTEST_VERSION=(\S+)$`).FindSubmatch(src)
	if m == nil || string(m[1]) != testenv.ConftestVersion {
		t.Fatalf("scripts/tools.sh builds conftest %q, testenv.ConftestVersion is %q", m, testenv.ConftestVersion)
	}
	out, err := exec.Command(testenv.Load(t).Conftest(t), "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if first, _, _ := strings.Cut(string(out), "\n"); first != "Conftest: "+testenv.ConftestVersion {
		t.Errorf("installed conftest reports %q, want Conftest: %s: run make tools", first, testenv.ConftestVersion)
	}
}
