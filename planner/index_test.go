package planner_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/plumbhq/plumb/internal/testenv"
	"github.com/plumbhq/plumb/planner"
	"github.com/plumbhq/plumb/vcs"
)

// fixtureRepo copies testdata/planner/<name> into a fresh git repository
// and commits it; it returns the repository's directory.
func fixtureRepo(t *testing.T, name string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("..", "testdata", "planner", name))); err != nil {
		t.Fatal(err)
	}
	git(t, dir, "init", "-q", "-b", "main")
	commit(t, dir, "base")
	return dir
}

// git runs git in dir as a test author.
func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	return testenv.Git(t, dir, args...)
}

func commit(t *testing.T, dir, msg string) string {
	t.Helper()
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-q", "--allow-empty", "-m", msg)
	return git(t, dir, "rev-parse", "HEAD")
}

func load(t *testing.T, dir, ref string) *planner.Index {
	t.Helper()
	repo, err := vcs.OpenRepo(dir)
	if err != nil {
		t.Fatal(err)
	}
	tree, _, err := repo.Tree(ref)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := planner.Load(tree)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return idx
}

func TestLoadMono(t *testing.T) {
	idx := load(t, fixtureRepo(t, "mono"), "HEAD")
	type proj struct{ Name, Engine, Modules string }
	var got []proj
	for _, p := range idx.Projects {
		got = append(got, proj{p.Name, string(p.Engine), strings.Join(p.Modules, " ")})
	}
	vpc := "modules/vpc modules/vpc/subnet"
	want := []proj{
		{"network-dev", "tofu", vpc},
		{"app-dev", "tofu", "modules/app " + vpc},
		{"network-prod", "terraform", vpc}, // through the modules/vpc-link symlink, from .tf.json
		{"app-prod", "tofu", "modules/app " + vpc},
		{"broken", "tofu", ""},
		{"modules/deployable", "tofu", ""},
		{"tofuy", "tofu", vpc}, // main.tofu overrides main.tf, which calls modules/old
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("projects (-want +got):\n%s", d)
	}
	reasons := map[string]string{}
	for _, d := range idx.Decisions {
		reasons[d.Dir] = d.Reason
	}
	for dir, want := range map[string]string{
		"modules/unused":     "library module",
		"modules/deployable": "root module: uncalled, has a backend",
		"modules/old":        "called as a module by tofuy",
		"examples/basic":     `matches autodiscover.ignore "examples/**"`,
		"envs/dev/app":       "configured in plumb.yaml",
	} {
		if !strings.Contains(reasons[dir], want) {
			t.Errorf("decision for %s = %q, want %q", dir, reasons[dir], want)
		}
	}
	if len(idx.Problems) != 1 || !strings.HasPrefix(idx.Problems[0].Error(), "broken/main.tf:3:1: ") {
		t.Errorf("problems = %v, want one for broken/main.tf", idx.Problems)
	}
}

func TestLoadMessy(t *testing.T) {
	idx := load(t, fixtureRepo(t, "messy"), "HEAD")
	var names []string
	for _, p := range idx.Projects {
		names = append(names, p.Name+"="+strings.Join(p.Modules, ","))
	}
	want := []string{"comp-a=comp-b/modules/x", "dup=comp-b/modules/x", "examples/complete=."}
	if d := cmp.Diff(want, names); d != "" {
		t.Errorf("projects (-want +got):\n%s", d)
	}
	var problems []string
	for _, p := range idx.Problems {
		problems = append(problems, p.Error())
	}
	wantProblems := []string{
		`comp-a/main.tf:6:12: module.gone.source: source "./does-not-exist": comp-a/does-not-exist has no .tf or .tofu files (does the directory exist?); fix the path or add the module`,
		`comp-a/main.tf:9:12: module.outside.source: source "../../escape" leaves the repository: local module sources must stay inside it`,
		`dup/b.tf:5:12: module.interp.source: must be a literal string`,
	}
	if d := cmp.Diff(wantProblems, problems); d != "" {
		t.Errorf("problems (-want +got):\n%s", d)
	}
}

func TestLoadWorkingTree(t *testing.T) {
	dir := fixtureRepo(t, "mono")
	// .terraform holds downloaded modules: never projects, never parsed.
	if err := os.MkdirAll(filepath.Join(dir, "envs/dev/app/.terraform/modules/x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "envs/dev/app/.terraform/modules/x/main.tf"), []byte("provider \"x\" {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	idx, err := planner.Load(os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	if len(idx.Projects) != 7 {
		t.Errorf("got %d projects from the working tree, want 7 as from the commit", len(idx.Projects))
	}
	for _, p := range idx.Projects {
		if p.Name == "network-prod" && len(p.Modules) != 2 {
			t.Errorf("network-prod modules = %v: the symlinked module was not followed on disk", p.Modules)
		}
	}
}

func TestLoaderReusesUnchangedDirs(t *testing.T) {
	dir := fixtureRepo(t, "mono")
	if err := os.WriteFile(filepath.Join(dir, "modules/vpc/main.tf"), []byte("variable \"cidr\" {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	commit(t, dir, "head")
	repo, err := vcs.OpenRepo(dir)
	if err != nil {
		t.Fatal(err)
	}
	l := planner.NewLoader()
	for _, ref := range []string{"HEAD~1", "HEAD"} {
		tree, _, err := repo.Tree(ref)
		if err != nil {
			t.Fatal(err)
		}
		idx, err := l.Load(tree)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range idx.Projects {
			if p.Name == "network-dev" && ref == "HEAD" && len(p.Modules) != 1 {
				t.Errorf("at HEAD network-dev modules = %v, want only modules/vpc: a stale scan was reused", p.Modules)
			}
		}
	}
}
