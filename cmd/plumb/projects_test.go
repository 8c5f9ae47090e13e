package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/internal/testenv"
)

// update rewrites golden files: go test ./cmd/plumb -run 'Projects|Affected' -update
var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// The package dir, taken before tests chdir into their repositories.
var (
	pkgDir, _      = os.Getwd()
	plannerFixture = filepath.Join(pkgDir, "..", "..", "testdata", "planner")
)

// plannerRepo copies testdata/planner/<fixture> into a git repository with
// one commit and returns its directory and the commit sha.
func plannerRepo(t *testing.T, fixture string) (string, string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join(plannerFixture, fixture))); err != nil {
		t.Fatal(err)
	}
	gitIn(t, dir, "init", "-q", "-b", "main")
	return dir, commitIn(t, dir)
}

func gitIn(t *testing.T, dir string, args ...string) string {
	t.Helper()
	return testenv.Git(t, dir, args...)
}

func commitIn(t *testing.T, dir string) string {
	t.Helper()
	gitIn(t, dir, "add", "-A")
	gitIn(t, dir, "commit", "-q", "--allow-empty", "-m", "c")
	return gitIn(t, dir, "rev-parse", "HEAD")
}

// runVerb runs plumb in-process from dir and returns its exit code and output.
func runVerb(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	t.Chdir(dir)
	var out, errb bytes.Buffer
	m := &Main{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Redactor: plumb.NewRedactor(),
		Getenv: func(string) string { return "" }}
	code := m.Run(t.Context(), args)
	return code, out.String(), errb.String()
}

// golden compares got with testdata/<verb>/<name>, after replacing the
// given shas by placeholders; -update rewrites the file.
func golden(t *testing.T, verb, name, got string, shas map[string]string) {
	t.Helper()
	for sha, placeholder := range shas {
		got = strings.ReplaceAll(got, sha, placeholder)
	}
	file := filepath.Join(pkgDir, "testdata", verb, name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if d := cmp.Diff(string(want), got); d != "" {
		t.Errorf("%s (-want +got):\n%s", file, d)
	}
}

func TestProjectsJSON(t *testing.T) {
	for _, fixture := range []string{"mono", "messy"} {
		t.Run(fixture, func(t *testing.T) {
			dir, sha := plannerRepo(t, fixture)
			sub := map[string]string{"mono": "modules/vpc", "messy": "comp-a"}[fixture]
			code, out, stderr := runVerb(t, filepath.Join(dir, sub), "projects", "--json", "--explain")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			golden(t, "projects", fixture+".json", out, map[string]string{sha: "<sha>"})
		})
	}
}

func TestProjectsText(t *testing.T) {
	dir, sha := plannerRepo(t, "mono")
	code, out, stderr := runVerb(t, dir, "projects", "--repo", dir, "--ref", sha[:7], "--explain")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	golden(t, "projects", "mono.txt", out, map[string]string{sha[:12]: "<sha>"})
	if !strings.Contains(stderr, "warning: broken/main.tf:3:1: ") {
		t.Errorf("stderr lacks the broken HCL warning:\n%s", stderr)
	}
}

func TestProjectsBadRef(t *testing.T) {
	dir, _ := plannerRepo(t, "mono")
	code, _, stderr := runVerb(t, dir, "projects", "--ref", "nope")
	if code != 1 || !strings.Contains(stderr, `revision "nope" not found`) {
		t.Errorf("exit %d, stderr %q; want 1 and a not-found message", code, stderr)
	}
}
