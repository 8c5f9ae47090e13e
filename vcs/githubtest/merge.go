package githubtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Merger is the identity MergePull commits as, so merge commits do not
// depend on the machine's git configuration.
const (
	MergerName  = "GitHub"
	MergerEmail = "noreply@github.com"
)

// MergePull merges pull request number of owner/name for real, as the
// merge button would, and returns the commit it landed as:
//   - "merge": a merge commit of the head branch into BaseRef (--no-ff);
//   - "squash": one new commit on BaseRef with the branch's changes;
//   - "rebase": the branch's commits replayed onto BaseRef, each one new;
//     the SHA is that of the last.
//
// The git work happens in a temporary clone of the server's bare
// repository (InitRepo), whose HeadRef branch (of HeadRepo's repository
// for a fork) is what gets merged; the result is pushed to BaseRef. The
// pull request is then merged and closed, with MergeCommitSHA, MergedAt
// and MergedBy (its author, when unset) as GitHub reports them; pass it
// (Pull) to PullRequestPayload for the closed delivery. A conflict, a
// pull request that is not open, or an unknown method fails the test.
func (s *Server) MergePull(t testing.TB, owner, name string, number int, method string) string {
	t.Helper()
	s.mu.Lock()
	rs := s.repo(owner, name)
	p := rs.pulls[number]
	var pr PullRequest
	if p != nil {
		pr = *p
	}
	headRepo := s.headRepo(rs, &pr)
	s.mu.Unlock()
	switch {
	case p == nil:
		t.Fatalf("githubtest: merge %s/%s#%d: no such pull request", owner, name, number)
	case pr.State != "open" || pr.Merged:
		t.Fatalf("githubtest: merge %s/%s#%d: the pull request is %s", owner, name, number, pr.State)
	case method != "merge" && method != "squash" && method != "rebase":
		t.Fatalf("githubtest: merge %s/%s#%d: method %q is not merge, squash or rebase", owner, name, number, method)
	}
	bare := s.bareDir(owner, name)
	if _, err := os.Stat(bare); err != nil {
		t.Fatalf("githubtest: merge %s/%s#%d: no repository (InitRepo it): %v", owner, name, number, err)
	}
	work := filepath.Join(t.TempDir(), "merge")
	g := merger{t: t, dir: work}
	g.run("", "clone", "-q", bare, work)
	g.run("fetch head", "fetch", "-q", s.bareDir(headRepo.owner, headRepo.name), "+refs/heads/"+pr.HeadRef+":refs/plumb/head")
	head := g.run("", "rev-parse", "refs/plumb/head")
	g.run("check out the base", "checkout", "-q", "-B", pr.BaseRef, "origin/"+pr.BaseRef)
	switch method {
	case "merge":
		msg := "Merge pull request #" + itoa(number) + " from " + headRepo.owner + "/" + pr.HeadRef + "\n\n" + pr.Title
		g.run("merge conflict", "merge", "-q", "--no-ff", "-m", msg, "refs/plumb/head")
	case "squash":
		g.run("merge conflict", "merge", "-q", "--squash", "refs/plumb/head")
		g.run("", "commit", "-q", "--allow-empty", "-m", strings.TrimSpace(pr.Title+" (#"+itoa(number)+")"))
	case "rebase":
		// --force-rebase: GitHub writes new commits even when the branch
		// is already on top of the base.
		g.run("", "checkout", "-q", "-B", "plumb-rebase", "refs/plumb/head")
		g.run("rebase conflict", "rebase", "-q", "--force-rebase", pr.BaseRef)
		g.run("", "checkout", "-q", pr.BaseRef)
		g.run("", "merge", "-q", "--ff-only", "plumb-rebase")
	}
	sha := g.run("", "rev-parse", "HEAD")
	g.run("push", "push", "-q", "origin", "HEAD:refs/heads/"+pr.BaseRef)

	s.mu.Lock()
	defer s.mu.Unlock()
	p.HeadSHA, p.Merged, p.State, p.MergeCommitSHA, p.MergedAt = head, true, "closed", sha, time.Now().UTC()
	if p.MergedBy == "" {
		p.MergedBy = p.User
	}
	if is := rs.issues[number]; is != nil {
		is.State = "closed"
	}
	return sha
}

func (s *Server) bareDir(owner, name string) string {
	return filepath.Join(s.gitRoot, owner, name+".git")
}

// merger runs git in the merge clone as MergerName, deaf to the user's and
// the system's git configuration (signing, hooks, default branch).
type merger struct {
	t   testing.TB
	dir string
}

// run runs git and returns its trimmed output; on failure the test fails
// with what (e.g. "merge conflict") and git's own words.
func (g merger) run(what string, args ...string) string {
	g.t.Helper()
	cmd := exec.Command("git", args...)
	if args[0] != "clone" {
		cmd.Dir = g.dir
	}
	cmd.Env = append(os.Environ(),
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1", "GIT_TERMINAL_PROMPT=0",
		"GIT_AUTHOR_NAME="+MergerName, "GIT_AUTHOR_EMAIL="+MergerEmail,
		"GIT_COMMITTER_NAME="+MergerName, "GIT_COMMITTER_EMAIL="+MergerEmail)
	out, err := cmd.CombinedOutput()
	if err != nil {
		if what == "" {
			what = "git " + args[0]
		}
		g.t.Fatalf("githubtest: merge: %s: git %s: %v\n%s", what, strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func itoa(n int) string { return sprintf("%d", n) }
