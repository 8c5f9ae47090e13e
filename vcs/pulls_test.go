package vcs_test

import (
	"context"
	"testing"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/vcs/githubtest"
)

// A merge found from its commit, with what GitHub says of mergeability.
func TestGitHubPullRequestsOf(t *testing.T) {
	b := setupGitHub(t)
	ctx := context.Background()
	repo := owner + "/" + name
	no := false
	b.srv.AddPull(owner, name, githubtest.PullRequest{Number: 8, HeadRef: "fix", HeadSHA: "8888", BaseRef: "main", BaseSHA: baseSHA,
		Merged: true, State: "closed", MergeCommitSHA: "m888"})
	b.srv.AddPull(owner, name, githubtest.PullRequest{Number: 9, HeadRef: "other", HeadSHA: "9999", BaseRef: "main", Mergeable: &no, HeadRepo: "evil/infra"})
	got, err := b.gh.PullRequestsOf(ctx, repo, "m888")
	if err != nil || len(got) != 1 || got[0].Number != 8 || !got[0].Merged || got[0].MergeCommitSHA != "m888" {
		t.Errorf("pulls of the merge commit: %+v, %v", got, err)
	}
	// An open pull request whose head is the commit is no merge of it.
	if got, err := b.gh.PullRequestsOf(ctx, repo, "9999"); err != nil || len(got) != 0 {
		t.Errorf("pulls of an open head: %+v, %v", got, err)
	}
	pr, err := b.gh.PullRequest(ctx, repo, 9)
	if err != nil || pr.Mergeable == nil || *pr.Mergeable || pr.MergeableState != "dirty" || !pr.Fork || pr.Merged {
		t.Errorf("conflicting fork pull request: %+v, %v", pr, err)
	}
	pr, err = b.gh.PullRequest(ctx, repo, 7)
	if err != nil || pr.Mergeable != nil || pr.MergeableState != "unknown" || pr.Fork {
		t.Errorf("pull request still being computed: %+v, %v", pr, err)
	}
}

func TestGitHubTeamMember(t *testing.T) {
	b := setupGitHub(t)
	b.srv.AddTeamMember("acme", "infra-admins", "alice")
	for login, want := range map[string]bool{"alice": true, "bob": false} {
		if got, err := b.gh.TeamMember(context.Background(), "acme", "infra-admins", login); err != nil || got != want {
			t.Errorf("%s: %v, %v; want %v", login, got, err, want)
		}
	}
}

func TestGitHubReactAndReply(t *testing.T) {
	b := setupGitHub(t)
	ctx := context.Background()
	repo := owner + "/" + name
	id := b.srv.AddComment(owner, name, 7, "alice", "plumb plan")
	if err := b.gh.React(ctx, repo, id, "eyes"); err != nil {
		t.Fatal(err)
	}
	if err := b.gh.React(ctx, repo, id+99, "eyes"); plumb.ErrorCode(err) != plumb.ENOTFOUND {
		t.Errorf("reaction to a missing comment: %v", err)
	}
	if err := b.gh.Reply(ctx, repo, 7, "`plumb aply` is not a command"); err != nil {
		t.Fatal(err)
	}
	cs := b.srv.Comments(owner, name, 7)
	if got := b.srv.Reactions(owner, name, id); len(got) != 1 || got[0] != "eyes" || len(cs) != 2 || cs[1].User != githubtest.TokenLogin {
		t.Errorf("reactions %q, comments %+v", got, cs)
	}
	if login, err := b.gh.Login(ctx); err != nil || login != githubtest.TokenLogin {
		t.Errorf("login %q, %v", login, err)
	}
}
