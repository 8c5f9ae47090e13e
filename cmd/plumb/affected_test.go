package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAffectedGolden(t *testing.T) {
	dir, base := plannerRepo(t, "mono")
	edit := func(p, content string) {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	edit("modules/vpc/main.tf", "variable \"cidr\" {}\nmodule \"subnet\" {\n  source = \"./subnet\"\n}\n# changed\n")
	edit("shared/settings.yaml", "a: 2\n")
	edit("docs/README.md", "outside every project\n")
	edit("modules/unused/main.tf", "variable \"y\" {}\n# changed\n")
	edit("examples/basic/terraform.tfvars", "name = \"x\"\n")
	gitIn(t, dir, "rm", "-rq", "modules/deployable")
	head := commitIn(t, dir)
	shas := map[string]string{base: "<base>", head: "<head>"}

	code, out, stderr := runVerb(t, dir, "affected", "--base", "HEAD~1", "--head", "main", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	golden(t, "affected", "mono.json", out, shas)

	code, out, stderr = runVerb(t, dir, "affected", "--base", base, "--head", head)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	golden(t, "affected", "mono.txt", out, map[string]string{base[:12]: "<base>", head[:12]: "<head>"})
}

func TestAffectedNeedsRefs(t *testing.T) {
	dir, _ := plannerRepo(t, "mono")
	code, _, stderr := runVerb(t, dir, "affected", "--base", "HEAD")
	if code != 1 || !strings.Contains(stderr, `"head" not set`) {
		t.Errorf("exit %d, stderr %q; want 1 naming the missing --head", code, stderr)
	}
}

// Every flag reads PLUMB_<FLAG>, required ones too: PLUMB_BASE and
// PLUMB_HEAD give what --base and --head would.
func TestAffectedRefsFromEnv(t *testing.T) {
	dir, _ := plannerRepo(t, "mono")
	if err := os.WriteFile(filepath.Join(dir, "modules", "vpc", "main.tf"), []byte("variable \"cidr\" {}\n# changed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	commitIn(t, dir)
	_, want, _ := runVerb(t, dir, "affected", "--base", "HEAD~1", "--head", "HEAD", "--json")
	code, got, stderr := runMain(t, map[string]string{"PLUMB_BASE": "HEAD~1", "PLUMB_HEAD": "HEAD"}, "affected", "--repo", dir, "--json")
	if code != 0 || got != want || !strings.Contains(got, `"projects"`) {
		t.Fatalf("with PLUMB_BASE and PLUMB_HEAD: exit %d, stderr %q, stdout\n%s\nwant the flags' output\n%s", code, stderr, got, want)
	}
}

// A plumb.yaml broken at base must not block the commit that fixes it; one
// broken at head fails, naming the file, the commit and the problem.
func TestAffectedBrokenConfig(t *testing.T) {
	dir, _ := plannerRepo(t, "mono")
	good, err := os.ReadFile(filepath.Join(dir, "plumb.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	write := func(s string) string {
		if err := os.WriteFile(filepath.Join(dir, "plumb.yaml"), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return commitIn(t, dir)
	}
	broken := write("version: 1\nprojects: [\n")
	fixed := write(string(good))
	code, out, stderr := runVerb(t, dir, "affected", "--base", broken, "--head", fixed, "--json")
	if code != 0 || !strings.Contains(out, `"app-dev"`) {
		t.Errorf("fix at head: exit %d, stdout %q, stderr %q; want 0 with every configured project", code, out, stderr)
	}
	code, _, stderr = runVerb(t, dir, "affected", "--base", fixed, "--head", broken)
	if want := "plumb.yaml at " + broken[:12] + ":\nplumb.yaml:2:1: "; code != 1 || !strings.Contains(stderr, want) {
		t.Errorf("broken at head: exit %d, stderr %q; want 1 with %q", code, stderr, want)
	}
}
