package testenv_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plumbhq/plumb/internal/testenv"
)

func TestRepo(t *testing.T) {
	t.Parallel()
	r := testenv.NewRepo(t, "fixtures/basic")
	if _, err := os.Stat(filepath.Join(r.Dir, "main.tf")); err != nil {
		t.Fatalf("fixture not copied: %v", err)
	}
	first := r.Head()
	r.Branch("feature")
	r.Write("extra/new.tf", "# new\n")
	r.Remove("main.tf")
	second := r.Commit("change")
	if second == first {
		t.Fatal("commit did not move HEAD")
	}
	if got := r.Git("diff", "--name-only", first, second); got != "extra/new.tf\nmain.tf" {
		t.Fatalf("diff = %q", got)
	}
	r.Checkout("main")
	if r.Head() != first {
		t.Fatal("checkout main did not return to the first commit")
	}
}

func TestEnv(t *testing.T) {
	t.Parallel()
	tl := testenv.Load(t)
	env := strings.Join(testenv.Env(t), "\n")
	for _, want := range []string{"TF_CLI_CONFIG_FILE=" + tl.CLIConfig, "PATH=" + tl.BinDir, "TF_INPUT=0"} {
		if !strings.Contains(env, want) {
			t.Errorf("Env lacks %q", want)
		}
	}
}
