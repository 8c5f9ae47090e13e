package testenv_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/plumbhq/plumb/internal/testenv"
)

// TestEnginesMatchTools: testenv.Engines is what scripts/tools.sh builds,
// so a version added there is tested on, and one dropped there is not
// silently skipped. It reads the script, so it needs no tools installed.
func TestEnginesMatchTools(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "scripts", "tools.sh"))
	if err != nil {
		t.Fatal(err)
	}
	setting := func(name string) []string {
		m := regexp.MustCompile(`(?m)^` + name + `="?([^"\n]*)"?$`).FindSubmatch(src)
		if m == nil {
			t.Fatalf("scripts/tools.sh sets no %s", name)
		}
		return strings.Fields(string(m[1]))
	}
	var want []testenv.Engine
	for _, v := range setting("TOFU_VERSIONS") {
		want = append(want, testenv.Engine{Name: "tofu", Version: v})
	}
	for _, v := range setting("TERRAFORM_VERSION") {
		want = append(want, testenv.Engine{Name: "terraform", Version: v})
	}
	if !slices.Equal(testenv.Engines, want) {
		t.Errorf("testenv.Engines = %v, scripts/tools.sh builds %v", testenv.Engines, want)
	}
	// tools.sh links the first of TOFU_VERSIONS as bin/tofu.
	if testenv.DefaultTofu != want[0] {
		t.Errorf("DefaultTofu = %v, bin/tofu is %v", testenv.DefaultTofu, want[0])
	}
}

// TestEnginesDir: make tools installed every engine under its versioned
// name and nothing else, and bin/ holds the defaults, so PATH alone never
// offers plumb a second OpenTofu.
func TestEnginesDir(t *testing.T) {
	t.Parallel()
	tl := testenv.Load(t)
	var want, got []string
	for _, e := range testenv.Engines {
		tl.Path(t, e)
		want = append(want, e.File())
	}
	entries, err := os.ReadDir(tl.EnginesDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		got = append(got, e.Name())
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("%s holds %v, want %v", tl.EnginesDir, got, want)
	}
	bins, _ := os.ReadDir(tl.BinDir)
	var names []string
	for _, b := range bins {
		names = append(names, b.Name())
	}
	if !slices.Equal(names, []string{"terraform", "tofu"}) {
		t.Errorf("%s holds %v, want only terraform and tofu", tl.BinDir, names)
	}
	terraform := testenv.Engines[slices.IndexFunc(testenv.Engines, func(e testenv.Engine) bool { return e.Name == "terraform" })]
	for bin, e := range map[string]testenv.Engine{tl.Tofu: testenv.DefaultTofu, tl.Terraform: terraform} {
		a, _ := filepath.EvalSymlinks(bin)
		b, _ := filepath.EvalSymlinks(tl.Path(t, e))
		if a == "" || a != b {
			t.Errorf("%s is %q, want the same binary as %s (%q)", bin, a, e.File(), b)
		}
	}
}
