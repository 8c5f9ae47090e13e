package vcs_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/internal/testenv"
	"github.com/plumbhq/plumb/vcs"
)

// git runs git in dir as a test author.
func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	return testenv.Git(t, dir, args...)
}

func write(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for p, c := range files {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// setup makes a repository with two commits: base (tagged v1) and head,
// which modifies, renames, adds and deletes.
func setup(t *testing.T) (dir, base, head string) {
	t.Helper()
	dir = t.TempDir()
	git(t, dir, "init", "-q", "-b", "main")
	write(t, dir, map[string]string{
		"modules/vpc/main.tf": "variable \"a\" {}\n", "envs/dev/main.tf": "module \"v\" {}\n",
		"old/name.tf": strings.Repeat("resource \"x\" \"y\" {}\n", 20), "gone.txt": "bye\n",
	})
	if err := os.Symlink("vpc", filepath.Join(dir, "modules/link")); err != nil {
		t.Fatal(err)
	}
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-qm", "base")
	git(t, dir, "tag", "-a", "v1", "-m", "v1")
	base = git(t, dir, "rev-parse", "HEAD")
	write(t, dir, map[string]string{"envs/dev/main.tf": "module \"w\" {}\n", "new.txt": "hi\n"})
	if err := os.MkdirAll(filepath.Join(dir, "renamed"), 0o755); err != nil {
		t.Fatal(err)
	}
	git(t, dir, "mv", "old/name.tf", "renamed/name.tf")
	git(t, dir, "rm", "-q", "gone.txt")
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-qm", "head")
	return dir, base, git(t, dir, "rev-parse", "HEAD")
}

func TestTree(t *testing.T) {
	dir, base, _ := setup(t)
	repo, err := vcs.OpenRepo(filepath.Join(dir, "envs", "dev")) // finds the top level
	if err != nil {
		t.Fatal(err)
	}
	defer repo.Close()
	tree, sha, err := repo.Tree(base[:7])
	if err != nil {
		t.Fatal(err)
	}
	if sha != base {
		t.Errorf("sha = %s, want %s", sha, base)
	}
	if err := fstest.TestFS(tree, "modules/vpc/main.tf", "envs/dev/main.tf", "gone.txt"); err != nil {
		t.Error(err)
	}
	b, err := fs.ReadFile(tree, "modules/link/main.tf")
	if err != nil || string(b) != "variable \"a\" {}\n" {
		t.Errorf("read through symlink = %q, %v", b, err)
	}
	if link, err := fs.ReadLink(tree, "modules/link"); err != nil || link != "vpc" {
		t.Errorf("ReadLink = %q, %v", link, err)
	}
	if fi, err := fs.Lstat(tree, "modules/link"); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("Lstat = %v, %v; want a symlink", fi, err)
	}
	if _, err := fs.ReadFile(tree, "nope/x"); !errorsIsNotExist(err) {
		t.Errorf("missing file: err = %v, want fs.ErrNotExist", err)
	}
}

func errorsIsNotExist(err error) bool {
	return err != nil && strings.Contains(err.Error(), fs.ErrNotExist.Error())
}

func TestDirHash(t *testing.T) {
	dir, _, _ := setup(t)
	repo, err := vcs.OpenRepo(dir)
	if err != nil {
		t.Fatal(err)
	}
	a, _, _ := repo.Tree("HEAD~1")
	b, _, _ := repo.Tree("HEAD")
	ha, _ := a.DirHash("modules")
	hb, _ := b.DirHash("modules")
	if ha == "" || ha != hb {
		t.Errorf("unchanged modules/: hashes %q and %q, want equal", ha, hb)
	}
	da, _ := a.DirHash("envs/dev")
	db, _ := b.DirHash("envs/dev")
	if da == db {
		t.Errorf("changed envs/dev: hashes equal (%s)", da)
	}
	if _, ok := a.DirHash("gone.txt"); ok {
		t.Error("DirHash of a file: ok = true")
	}
}

func TestResolve(t *testing.T) {
	dir, base, head := setup(t)
	repo, err := vcs.OpenRepo(dir)
	if err != nil {
		t.Fatal(err)
	}
	for ref, want := range map[string]string{"HEAD": head, "main": head, "HEAD~1": base, "v1": base, base[:8]: base, head: head} {
		if got, err := repo.Resolve(ref); err != nil || got != want {
			t.Errorf("Resolve(%q) = %s, %v; want %s", ref, got, err, want)
		}
	}
	if _, err := repo.Resolve("no-such-branch"); plumb.ErrorCode(err) != plumb.ENOTFOUND {
		t.Errorf("unknown ref: err = %v, want ENOTFOUND", err)
	}
	if _, err := vcs.OpenRepo(t.TempDir()); plumb.ErrorCode(err) != plumb.EINVALID {
		t.Errorf("no repository: err = %v, want EINVALID", err)
	}
}

func TestChanged(t *testing.T) {
	dir, _, _ := setup(t)
	repo, err := vcs.OpenRepo(dir)
	if err != nil {
		t.Fatal(err)
	}
	got, err := repo.Changed(context.Background(), "HEAD~1", "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	want := []vcs.FileChange{
		{From: "envs/dev/main.tf", To: "envs/dev/main.tf"},
		{From: "gone.txt"},
		{To: "new.txt"},
		{From: "old/name.tf", To: "renamed/name.tf"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("changes (-want +got):\n%s", d)
	}
}
