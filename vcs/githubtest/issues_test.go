package githubtest_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-github/v60/github"

	"github.com/plumbhq/plumb/vcs/githubtest"
)

// The repository is known once a test made or touched it; the issue list
// filters by label and state; state changes carry GitHub's reasons; a
// deleted issue is 410, not 404.
func TestServerReposAndIssues(t *testing.T) {
	srv := githubtest.NewServer(t)
	c := client(t, srv)
	ctx := context.Background()
	if _, _, err := c.Repositories.Get(ctx, "acme", "infra"); !isStatus(err, 404) {
		t.Errorf("unknown repository: %v, want 404", err)
	}
	srv.InitRepo(t, "acme", "infra")
	rp, _, err := c.Repositories.Get(ctx, "acme", "infra")
	if err != nil || rp.GetDefaultBranch() != "main" || rp.GetCloneURL() != srv.CloneURL("acme", "infra") {
		t.Fatalf("repository %+v, %v", rp, err)
	}

	drift := srv.AddIssue("acme", "infra", githubtest.Issue{Title: "drift", Labels: []string{"drift"}})
	srv.AddIssue("acme", "infra", githubtest.Issue{Title: "other", Labels: []string{"bug"}})
	state := func(s string) *github.IssueRequest { return &github.IssueRequest{State: github.String(s)} }
	if is, _, err := c.Issues.Edit(ctx, "acme", "infra", drift, state("closed")); err != nil || is.GetStateReason() != "completed" {
		t.Fatalf("close: %+v, %v", is, err)
	}
	for st, want := range map[string]int{"open": 0, "all": 1, "closed": 1} {
		got, _, err := c.Issues.ListByRepo(ctx, "acme", "infra", &github.IssueListByRepoOptions{State: st, Labels: []string{"drift"}})
		if err != nil || len(got) != want {
			t.Errorf("drift issues in state %s: %d, %v; want %d", st, len(got), err, want)
		}
	}
	if is, _, err := c.Issues.Edit(ctx, "acme", "infra", drift, state("open")); err != nil || is.GetStateReason() != "reopened" {
		t.Errorf("reopen: %+v, %v", is, err)
	}
	srv.RenameIssue("acme", "infra", drift, "renamed")
	if _, _, err := c.Issues.CreateComment(ctx, "acme", "infra", drift, &github.IssueComment{Body: github.String("hi")}); err != nil {
		t.Fatal(err)
	}
	if is := srv.Issues("acme", "infra")[0]; is.Title != "renamed" || len(is.Comments) != 1 || is.Comments[0].Body != "hi" {
		t.Errorf("issue %+v", is)
	}
	srv.DeleteIssue("acme", "infra", drift)
	if _, _, err := c.Issues.Get(ctx, "acme", "infra", drift); !isStatus(err, 410) {
		t.Errorf("deleted issue: %v, want 410", err)
	}
	if is := srv.Issues("acme", "infra"); len(is) != 1 || is[0].Title != "other" {
		t.Errorf("after delete: %+v", is)
	}
}

// A body over GitHub's limit is refused with a 422 and fails the test
// that sent it.
func TestServerRefusesLongIssueBody(t *testing.T) {
	rec := &recorder{TB: t}
	srv := githubtest.NewServer(rec)
	_, _, err := client(t, srv).Issues.Create(context.Background(), "acme", "infra",
		&github.IssueRequest{Title: github.String("t"), Body: github.String(strings.Repeat("x", 65537))})
	if !isStatus(err, 422) || len(rec.rejections()) != 1 {
		t.Errorf("long body: %v, rejections %q", err, rec.rejections())
	}
}
