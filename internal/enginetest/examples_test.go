package enginetest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plumbhq/plumb/internal/testenv"
)

// TestExamples applies every root module under examples/envs offline, so
// the example a newcomer reads first always works, on every OpenTofu
// `make tools` builds. Terraform gets the one that uses all four providers.
func TestExamples(t *testing.T) {
	t.Parallel()
	examples := testenv.Examples(t)
	roots, err := filepath.Glob(filepath.Join(examples, "envs", "*", "*"))
	if err != nil || len(roots) == 0 {
		t.Fatalf("no root modules under %s/envs: %v", examples, err)
	}
	type run struct{ engine, dir string }
	var runs []run
	for _, e := range testenv.Engines {
		if e.Name != "tofu" {
			runs = append(runs, run{e.File(), filepath.Join("envs", "dev", "app")})
			continue
		}
		for _, r := range roots {
			rel, _ := filepath.Rel(examples, r)
			runs = append(runs, run{e.File(), rel})
		}
	}
	for _, r := range runs {
		t.Run(r.engine+"/"+filepath.ToSlash(r.dir), func(t *testing.T) {
			t.Parallel()
			e := newEngine(t, r.engine, examples)
			e.dir = filepath.Join(e.dir, r.dir)
			e.applied()
			if code, out := e.run([]int{0, 2}, "plan", "-input=false", "-detailed-exitcode"); code != 0 {
				t.Errorf("plan after apply: exit %d, want 0\n%s", code, out)
			}
			if strings.HasSuffix(r.dir, "app") {
				secrets, _ := filepath.Glob(filepath.Join(e.dir, "out", "*.env"))
				if len(secrets) != 1 {
					t.Fatalf("app wrote %d out/*.env files, want 1", len(secrets))
				}
				fi, err := os.Stat(secrets[0])
				if err != nil {
					t.Fatal(err)
				}
				if fi.Mode().Perm() != 0o600 {
					t.Errorf("%s: mode %v, want 0600 (file_permission)", secrets[0], fi.Mode().Perm())
				}
			}
		})
	}
}
