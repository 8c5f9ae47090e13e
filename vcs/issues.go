package vcs

import (
	"context"

	"github.com/google/go-github/v60/github"

	"github.com/plumbhq/plumb"
)

func issueOf(is *github.Issue) *plumb.Issue {
	out := &plumb.Issue{Number: is.GetNumber(), Title: is.GetTitle(), Body: is.GetBody(), State: is.GetState(), URL: is.GetHTMLURL()}
	for _, l := range is.Labels {
		out.Labels = append(out.Labels, l.GetName())
	}
	return out
}

// FindIssue returns the newest open issue (not pull request) of repo with
// exactly title and carrying label, or nil when there is none.
//
// Errors: as ReportPlans.
func (g *GitHub) FindIssue(ctx context.Context, repo, title, label string) (*plumb.Issue, error) {
	owner, name, err := splitRepo(repo)
	if err != nil {
		return nil, err
	}
	opts := &github.IssueListByRepoOptions{State: "open", ListOptions: github.ListOptions{PerPage: 100}}
	if label != "" {
		opts.Labels = []string{label}
	}
	for {
		page, resp, err := g.client.Issues.ListByRepo(ctx, owner, name, opts)
		if err := g.fail(err, "list issues of %s", repo); err != nil {
			return nil, err
		}
		for _, is := range page {
			if !is.IsPullRequest() && is.GetTitle() == title {
				return issueOf(is), nil
			}
		}
		if resp.NextPage == 0 {
			return nil, nil
		}
		opts.Page = resp.NextPage
	}
}

// CreateIssue opens an issue with a redacted body. Like Reply it is
// retried blind, so a lost answer can leave two issues; FindIssue returns
// the newest, which the sweep then keeps up to date.
//
// Errors: as ReportPlans.
func (g *GitHub) CreateIssue(ctx context.Context, repo, title, body string, labels []string) (*plumb.Issue, error) {
	owner, name, err := splitRepo(repo)
	if err != nil {
		return nil, err
	}
	req := &github.IssueRequest{Title: github.String(g.redact.String(title)), Body: github.String(g.redact.String(body))}
	if len(labels) > 0 {
		req.Labels = &labels
	}
	is, _, err := g.client.Issues.Create(ctx, owner, name, req)
	if err := g.fail(err, "create issue in %s", repo); err != nil {
		return nil, err
	}
	return issueOf(is), nil
}

// UpdateIssue replaces an issue's body (redacted) and reopens it if closed.
//
// Errors: as ReportPlans.
func (g *GitHub) UpdateIssue(ctx context.Context, repo string, number int, body string) error {
	return g.editIssue(ctx, repo, number, &github.IssueRequest{Body: github.String(g.redact.String(body)), State: github.String("open")})
}

// CloseIssue closes an issue, as completed.
//
// Errors: as ReportPlans.
func (g *GitHub) CloseIssue(ctx context.Context, repo string, number int) error {
	return g.editIssue(ctx, repo, number, &github.IssueRequest{State: github.String("closed"), StateReason: github.String("completed")})
}

func (g *GitHub) editIssue(ctx context.Context, repo string, number int, req *github.IssueRequest) error {
	owner, name, err := splitRepo(repo)
	if err != nil {
		return err
	}
	_, _, err = g.client.Issues.Edit(ctx, owner, name, number, req)
	return g.fail(err, "edit issue %s#%d", repo, number)
}

// Reply posts a plain comment on an issue or pull request (redacted).
// Unlike plumb's own comments it is retried blind on a 5xx or a broken
// connection, so when GitHub made the comment and then failed to answer,
// the reply appears twice: a duplicate answer beats a lost one.
//
// Errors: as ReportPlans.
func (g *GitHub) Reply(ctx context.Context, repo string, number int, body string) error {
	owner, name, err := splitRepo(repo)
	if err != nil {
		return err
	}
	_, _, err = g.client.Issues.CreateComment(ctx, owner, name, number, &github.IssueComment{Body: github.String(g.redact.String(body))})
	return g.fail(err, "comment on %s#%d", repo, number)
}

// React adds a reaction to an issue or pull request comment.
//
// Errors: as ReportPlans.
func (g *GitHub) React(ctx context.Context, repo string, commentID int64, reaction string) error {
	owner, name, err := splitRepo(repo)
	if err != nil {
		return err
	}
	_, _, err = g.client.Reactions.CreateIssueCommentReaction(ctx, owner, name, commentID, reaction)
	return g.fail(err, "react %s to comment %d in %s", reaction, commentID, repo)
}
