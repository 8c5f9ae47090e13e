package planner_test

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/plumbhq/plumb/internal/testenv"
	"github.com/plumbhq/plumb/planner"
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

// commitTree returns the tree of the commit ref names in the repository
// at dir, as git itself writes it out (`git archive`) into a directory of
// its own: the committed files and symlinks, nothing of the working tree.
// The planner never sees vcs: plumb hands it the trees vcs reads from git
// objects, which cmd/plumb's planner_tree_test.go loads.
func commitTree(t *testing.T, dir, ref string) fs.FS {
	t.Helper()
	cmd := exec.Command("git", "archive", "--format=tar", ref)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git archive %s: %v\n%s", ref, err, stderr.Bytes())
	}
	root := t.TempDir()
	tr := tar.NewReader(bytes.NewReader(out))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("git archive %s: %v", ref, err)
		}
		p := filepath.Join(root, filepath.FromSlash(h.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		switch h.Typeflag {
		case tar.TypeDir:
			err = os.MkdirAll(p, 0o755)
		case tar.TypeReg:
			var b []byte
			if b, err = io.ReadAll(tr); err == nil {
				err = os.WriteFile(p, b, h.FileInfo().Mode().Perm())
			}
		case tar.TypeSymlink:
			err = os.Symlink(h.Linkname, p)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return os.DirFS(root)
}

// changed lists the files that differ between the commits base and head
// name as git diffs them, with renames detected at 50% similarity (as
// vcs.Repo.Changed does with go-git), sorted by path.
func changed(t *testing.T, dir, base, head string) []planner.FileChange {
	t.Helper()
	cmd := exec.Command("git", "diff", "--name-status", "-z", "--no-ext-diff", "-M50%", base, head)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git diff %s %s: %v\n%s", base, head, err, stderr.Bytes())
	}
	var changes []planner.FileChange
	for f := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00"); len(f) > 1; {
		status, p := f[0], f[1]
		switch status[0] {
		case 'A':
			changes = append(changes, planner.FileChange{To: p})
		case 'D':
			changes = append(changes, planner.FileChange{From: p})
		case 'R':
			changes = append(changes, planner.FileChange{From: p, To: f[2]})
			f = f[1:]
		default: // M, T
			changes = append(changes, planner.FileChange{From: p, To: p})
		}
		f = f[2:]
	}
	key := func(c planner.FileChange) string {
		if c.To != "" {
			return c.To
		}
		return c.From
	}
	sort.Slice(changes, func(i, j int) bool { return key(changes[i]) < key(changes[j]) })
	return changes
}

func load(t *testing.T, dir, ref string) *planner.Index {
	t.Helper()
	idx, err := planner.Load(commitTree(t, dir, ref))
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
