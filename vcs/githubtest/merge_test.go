package githubtest_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/plumbhq/plumb/vcs/githubtest"
)

// mergeRepo pushes main (one commit) and a branch "grow" (two commits on
// top of main's first) into the server's acme/infra, and opens #5 for it.
// With conflict, main also changes the line grow changes.
func mergeRepo(t *testing.T, srv *githubtest.Server, conflict bool) (work, bare string) {
	t.Helper()
	bare = srv.InitRepo(t, "acme", "infra")
	work = t.TempDir()
	git(t, work, "init", "-q", "-b", "main")
	commit := func(file, text, msg string) {
		if err := os.WriteFile(filepath.Join(work, file), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		git(t, work, "add", ".")
		git(t, work, "-c", "user.name=dev", "-c", "user.email=dev@example.com", "commit", "-q", "-m", msg)
	}
	commit("main.tf", "# one\n", "first")
	base := gitOut(t, work, "rev-parse", "HEAD")
	git(t, work, "checkout", "-q", "-b", "grow")
	commit("app.tf", "# app\n", "add app")
	commit("main.tf", "# two\n", "grow main")
	head := gitOut(t, work, "rev-parse", "HEAD")
	git(t, work, "checkout", "-q", "main")
	if conflict {
		commit("main.tf", "# three\n", "main moves on")
	} else {
		commit("net.tf", "# net\n", "main moves on")
	}
	git(t, work, "push", "-q", bare, "main", "grow")
	srv.AddPull("acme", "infra", githubtest.PullRequest{Number: 5, Title: "grow the app", User: "alice",
		HeadRef: "grow", HeadSHA: head, BaseRef: "main", BaseSHA: base})
	return work, bare
}

func gitOut(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git %v: %v", args, err)
	}
	return strings.TrimSpace(string(out))
}

func TestMergePull(t *testing.T) {
	for _, method := range []string{"merge", "squash", "rebase"} {
		t.Run(method, func(t *testing.T) {
			t.Parallel()
			srv := githubtest.NewServer(t)
			work, bare := mergeRepo(t, srv, false)
			head := gitOut(t, work, "rev-parse", "grow")
			sha := srv.MergePull(t, "acme", "infra", 5, method)

			git(t, work, "fetch", "-q", bare, "main:merged")
			if got := gitOut(t, work, "rev-parse", "merged"); got != sha {
				t.Fatalf("main is at %s, MergePull returned %s", got, sha)
			}
			tree := gitOut(t, work, "ls-tree", "--name-only", "merged")
			if tree != "app.tf\nmain.tf\nnet.tf" || gitOut(t, work, "show", "merged:main.tf") != "# two" {
				t.Errorf("merged tree %q", tree)
			}
			parents := strings.Fields(gitOut(t, work, "log", "-1", "--format=%P", "merged"))
			subjects := gitOut(t, work, "log", "--format=%s", "main..merged")
			committer := gitOut(t, work, "log", "-1", "--format=%cn <%ce>", "merged")
			want := map[string]struct {
				parents  int
				subjects string
			}{
				"merge":  {2, "Merge pull request #5 from acme/grow\ngrow main\nadd app"},
				"squash": {1, "grow the app (#5)"},
				"rebase": {1, "grow main\nadd app"},
			}[method]
			if len(parents) != want.parents || subjects != want.subjects || committer != githubtest.MergerName+" <"+githubtest.MergerEmail+">" {
				t.Errorf("parents %v, commits %q, committer %q; want %d parents, %q", parents, subjects, committer, want.parents, want.subjects)
			}
			if method == "rebase" && sha == head {
				t.Error("rebase kept the branch's commit instead of writing a new one")
			}
			pr, _ := srv.Pull("acme", "infra", 5)
			if !pr.Merged || pr.State != "closed" || pr.MergeCommitSHA != sha || pr.MergedAt.IsZero() || pr.MergedBy != "alice" {
				t.Errorf("pull after merge %+v", pr)
			}
		})
	}
}

// fatal stands in for the test in a goroutine of its own, so a Fatalf the
// server calls ends that goroutine and can be checked.
type fatal struct {
	testing.TB
	mu  sync.Mutex
	msg string
}

func (f *fatal) Fatalf(format string, args ...any) {
	f.mu.Lock()
	f.msg = fmt.Sprintf(format, args...)
	f.mu.Unlock()
	runtime.Goexit()
}

func TestMergePullConflict(t *testing.T) {
	for _, method := range []string{"merge", "squash", "rebase"} {
		t.Run(method, func(t *testing.T) {
			t.Parallel()
			srv := githubtest.NewServer(t)
			_, _ = mergeRepo(t, srv, true)
			f := &fatal{TB: t}
			done := make(chan struct{})
			go func() {
				defer close(done)
				srv.MergePull(f, "acme", "infra", 5, method)
			}()
			<-done
			if !strings.Contains(f.msg, "conflict") {
				t.Errorf("MergePull of a conflicting branch: %q, want the test failed with a conflict", f.msg)
			}
			if pr, _ := srv.Pull("acme", "infra", 5); pr.Merged || pr.State != "open" {
				t.Errorf("pull after a failed merge %+v", pr)
			}
		})
	}
}
