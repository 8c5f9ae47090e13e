package testenv

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Repo is a throwaway git repository in t.TempDir(), driven with the real git CLI.
type Repo struct {
	Dir string
	t   testing.TB
}

// NewRepo makes a git repo on branch main holding a copy of fixture and
// commits it. fixture is an absolute directory (e.g. the examples) or a path
// under testdata/: the test package's own first, then the repo root's
// (so "fixtures/basic" finds <repo>/testdata/fixtures/basic). An empty
// fixture gives a repo with one empty commit. Engine leftovers (.terraform,
// lock files, state) are never copied.
func NewRepo(t testing.TB, fixture string) *Repo {
	t.Helper()
	r := &Repo{Dir: t.TempDir(), t: t}
	if fixture != "" {
		if err := copyTree(findFixture(t, fixture), r.Dir); err != nil {
			t.Fatalf("testenv: copy fixture %s: %v", fixture, err)
		}
	}
	r.Git("init", "-q", "-b", "main")
	r.Git("config", "user.name", "plumb test")
	r.Git("config", "user.email", "test@plumb.invalid")
	r.Git("config", "commit.gpgsign", "false")
	r.Commit("fixture " + fixture)
	return r
}

func findFixture(t testing.TB, fixture string) string {
	t.Helper()
	if filepath.IsAbs(fixture) {
		return fixture
	}
	for _, dir := range []string{"testdata", filepath.Join(RepoRoot(t), "testdata")} {
		p := filepath.Join(dir, fixture)
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			return p
		}
	}
	t.Fatalf("testenv: fixture %q not found under ./testdata or <repo>/testdata", fixture)
	return ""
}

// Git runs git in the repo, isolated from the user's global config, and
// returns its trimmed stdout; any failure fails the test.
func (r *Repo) Git(args ...string) string {
	r.t.Helper()
	return Git(r.t, r.Dir, args...)
}

// Git runs git in dir as a test author, isolated from the user's global
// and system config (no signing, no hooks), and returns its trimmed
// stdout; any failure fails the test.
func Git(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=plumb test", "-c", "user.email=test@plumb.invalid", "-c", "commit.gpgsign=false"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("testenv: git %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

// Write creates or replaces a file (and its directories), path relative to the repo.
func (r *Repo) Write(rel, content string) {
	r.t.Helper()
	p := filepath.Join(r.Dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		r.t.Fatalf("testenv: write %s: %v", rel, err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		r.t.Fatalf("testenv: write %s: %v", rel, err)
	}
}

// Remove deletes a file or a whole directory, path relative to the repo.
func (r *Repo) Remove(rel string) {
	r.t.Helper()
	if err := os.RemoveAll(filepath.Join(r.Dir, filepath.FromSlash(rel))); err != nil {
		r.t.Fatalf("testenv: remove %s: %v", rel, err)
	}
}

// Commit stages everything and commits (empty commits allowed), returning the sha.
func (r *Repo) Commit(msg string) string {
	r.t.Helper()
	r.Git("add", "-A")
	r.Git("commit", "-q", "--allow-empty", "-m", msg)
	return r.Head()
}

// Head is the sha HEAD points at.
func (r *Repo) Head() string {
	r.t.Helper()
	return r.Git("rev-parse", "HEAD")
}

// Branch creates a branch at HEAD and checks it out.
func (r *Repo) Branch(name string) {
	r.t.Helper()
	r.Git("checkout", "-q", "-b", name)
}

// Checkout switches to an existing branch, tag or sha.
func (r *Repo) Checkout(ref string) {
	r.t.Helper()
	r.Git("checkout", "-q", ref)
}

// copyTree copies src into dst, skipping what an engine run leaves behind so
// a fixture dirtied by hand never leaks state or lock hashes into a test.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() && (name == ".terraform" || name == ".git") {
			return filepath.SkipDir
		}
		if name == ".terraform.lock.hcl" || strings.Contains(name, ".tfstate") {
			return nil
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
}

// Examples is the absolute path of the repo's examples/ monorepo, for
// NewRepo(t, testenv.Examples(t)).
func Examples(t testing.TB) string {
	t.Helper()
	return filepath.Join(RepoRoot(t), "examples")
}
