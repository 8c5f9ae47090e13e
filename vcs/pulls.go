package vcs

import (
	"context"
	"strings"

	"github.com/google/go-github/v60/github"

	"github.com/plumbhq/plumb"
)

func pullOf(pr *github.PullRequest) plumb.PullRequest {
	head := pr.GetHead().GetRepo().GetFullName()
	return plumb.PullRequest{Number: pr.GetNumber(), State: pr.GetState(), Author: pr.GetUser().GetLogin(),
		HeadRef: pr.GetHead().GetRef(), HeadSHA: pr.GetHead().GetSHA(), BaseRef: pr.GetBase().GetRef(), BaseSHA: pr.GetBase().GetSHA(),
		Merged: pr.GetMerged() || pr.MergedAt != nil, MergeCommitSHA: pr.GetMergeCommitSHA(), Mergeable: pr.Mergeable,
		MergeableState: pr.GetMergeableState(), Draft: pr.GetDraft(), URL: pr.GetHTMLURL(),
		CloneURL: pr.GetBase().GetRepo().GetCloneURL(),
		// A deleted fork leaves head.repo null: treat it as a fork, the safe side.
		Fork: head == "" || !strings.EqualFold(head, pr.GetBase().GetRepo().GetFullName())}
}

// PullRequest reads pull request number of repo.
//
// Errors: as ReportPlans.
func (g *GitHub) PullRequest(ctx context.Context, repo string, number int) (*plumb.PullRequest, error) {
	owner, name, err := splitRepo(repo)
	if err != nil {
		return nil, err
	}
	pr, _, err := g.client.PullRequests.Get(ctx, owner, name, number)
	if err := g.fail(err, "read pull request %s#%d", repo, number); err != nil {
		return nil, err
	}
	p := pullOf(pr)
	return &p, nil
}

// PullRequestsOf lists the merged pull requests whose merge commit is sha.
//
// Errors: as ReportPlans.
func (g *GitHub) PullRequestsOf(ctx context.Context, repo, sha string) ([]plumb.PullRequest, error) {
	owner, name, err := splitRepo(repo)
	if err != nil {
		return nil, err
	}
	prs, _, err := g.client.PullRequests.ListPullRequestsWithCommit(ctx, owner, name, sha, &github.ListOptions{PerPage: 100})
	if err := g.fail(err, "list pull requests of %s@%.12s", repo, sha); err != nil {
		return nil, err
	}
	var out []plumb.PullRequest
	for _, pr := range prs {
		if p := pullOf(pr); p.Merged && p.MergeCommitSHA == sha {
			out = append(out, p)
		}
	}
	return out, nil
}

// Reviews lists every review of a pull request, oldest first.
//
// Errors: as ReportPlans.
func (g *GitHub) Reviews(ctx context.Context, repo string, number int) ([]plumb.Review, error) {
	owner, name, err := splitRepo(repo)
	if err != nil {
		return nil, err
	}
	var out []plumb.Review
	opts := &github.ListOptions{PerPage: 100}
	for {
		page, resp, err := g.client.PullRequests.ListReviews(ctx, owner, name, number, opts)
		if err := g.fail(err, "list reviews of %s#%d", repo, number); err != nil {
			return nil, err
		}
		for _, r := range page {
			out = append(out, plumb.Review{User: r.GetUser().GetLogin(), State: r.GetState(), CommitSHA: r.GetCommitID()})
		}
		if resp.NextPage == 0 {
			return out, nil
		}
		opts.Page = resp.NextPage
	}
}

// Permission is login's permission on repo: admin, write, read or none
// (GitHub's legacy levels; maintain counts as write, triage as read).
//
// Errors: as ReportPlans.
func (g *GitHub) Permission(ctx context.Context, repo, login string) (string, error) {
	owner, name, err := splitRepo(repo)
	if err != nil {
		return "", err
	}
	p, _, err := g.client.Repositories.GetPermissionLevel(ctx, owner, name, login)
	if err := g.fail(err, "read %s's permission on %s", login, repo); err != nil {
		return "", err
	}
	return p.GetPermission(), nil
}

// TeamMember reports whether login is an active member of org's team.
//
// Errors: as ReportPlans, except that "not a member" is false, not ENOTFOUND.
func (g *GitHub) TeamMember(ctx context.Context, org, team, login string) (bool, error) {
	m, _, err := g.client.Teams.GetTeamMembershipBySlug(ctx, org, team, login)
	err = g.fail(err, "read %s's membership of %s/%s", login, org, team)
	if plumb.ErrorCode(err) == plumb.ENOTFOUND {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return m.GetState() == "active", nil
}

// Login is the account plumb writes as.
func (g *GitHub) Login(ctx context.Context) (string, error) { return g.login(ctx) }
