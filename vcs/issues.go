package vcs

import (
	"context"

	"github.com/google/go-github/v60/github"
)

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
