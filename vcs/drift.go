package vcs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/go-github/v60/github"

	"github.com/plumbhq/plumb"
)

// ReportDrift keeps the one drift issue of r.Project in r.Repo:
//   - drifted, pending or drifted_pending: opened (DriftTitle, DriftLabel,
//     DriftMarker) when the project has none, else its body edited in
//     place; a closed one is reopened with a "drifted again" comment;
//   - clean: an open issue gets a "clean again" comment and is closed;
//   - error: nothing changes and no request is made (r.Issue is returned).
//
// The issue is r.Issue when that is still this project's issue (the
// marker, or a drift-labelled issue whose marker someone removed), else
// the one whose marker names the project among the drift-labelled issues
// in any state, so a renamed issue is still found. A title a person gave
// it is kept; a removed drift label is put back. Comments go before the
// state change, so a failure between the two repeats a comment on the
// next sweep rather than losing it.
//
// It returns the issue's number (0 when the project has none); on error,
// r.Issue, so a caller that stores the result keeps what it knew.
//
// Errors: as ReportPlans; EINVALID for a repo not owner/name, no project
// or an unknown status. A create whose answer was lost is never resent
// blind: the issues are listed again first, so there is never a second.
func (g *GitHub) ReportDrift(ctx context.Context, r plumb.DriftReport) (int, error) {
	owner, name, err := splitRepo(r.Repo)
	if err != nil {
		return r.Issue, err
	}
	if r.Project == "" {
		return r.Issue, plumb.Errorf(plumb.EINVALID, "drift report for %s names no project: set DriftReport.Project", r.Repo)
	}
	switch r.State.Status {
	case plumb.DriftError:
		return r.Issue, nil
	case plumb.DriftClean, plumb.DriftDrifted, plumb.DriftPendingOnly, plumb.DriftDriftedPending:
	default:
		return r.Issue, plumb.Errorf(plumb.EINVALID, "drift report for %s: status %q is not one of clean, drifted, pending, drifted_pending, error",
			r.Project, r.State.Status)
	}
	for attempt := 1; ; attempt++ {
		n, err := g.reportDriftOnce(ctx, owner, name, r)
		var unsure *unsureCreate
		if !errors.As(err, &unsure) {
			if err != nil {
				return r.Issue, err
			}
			return n, nil
		}
		if attempt >= g.retry.attempts || ctx.Err() != nil {
			return r.Issue, unsure.err
		}
		if err := g.retry.sleep(ctx, g.retry.backoff(attempt)); err != nil {
			return r.Issue, unsure.err
		}
		r.Issue = 0 // what the lost create made, if anything, is found by its marker
	}
}

func (g *GitHub) reportDriftOnce(ctx context.Context, owner, name string, r plumb.DriftReport) (int, error) {
	is, err := g.findDriftIssue(ctx, owner, name, r)
	if err != nil {
		return 0, err
	}
	if r.State.Status == plumb.DriftClean {
		if is == nil {
			return 0, nil
		}
		if is.GetState() == "open" {
			msg := fmt.Sprintf("Clean again at %s, run %s: closing.", when(r.State.CheckedAt), codeSpan(r.State.RunID))
			if r.Remediation != "" {
				// What the sweep did is why it is clean: say it where people look.
				msg = g.redact.String(r.Remediation) + "\n\n" + msg
			}
			if err := g.comment(ctx, owner, name, is.GetNumber(), msg); err != nil {
				return 0, err
			}
			req := &github.IssueRequest{State: github.String("closed"), StateReason: github.String("completed")}
			if err := g.editDriftIssue(ctx, owner, name, is.GetNumber(), req); err != nil {
				return 0, err
			}
		}
		return is.GetNumber(), nil
	}
	body := g.driftBody(r)
	if is == nil {
		return g.createDriftIssue(ctx, owner, name, r, body)
	}
	req := &github.IssueRequest{}
	edit := false
	if is.GetBody() != body {
		req.Body, edit = github.String(body), true
	}
	if labels := labelNames(is); !slices.Contains(labels, DriftLabel) {
		labels = append(labels, DriftLabel)
		req.Labels, edit = &labels, true
	}
	if is.GetState() == "closed" {
		msg := fmt.Sprintf("Drifted again at %s, run %s: reopening; the description is up to date.", when(r.State.CheckedAt), codeSpan(r.State.RunID))
		if err := g.comment(ctx, owner, name, is.GetNumber(), msg); err != nil {
			return 0, err
		}
		req.State, req.StateReason, edit = github.String("open"), github.String("reopened"), true
	}
	if edit {
		if err := g.editDriftIssue(ctx, owner, name, is.GetNumber(), req); err != nil {
			return 0, err
		}
	}
	return is.GetNumber(), nil
}

// driftBody is the rendered body redacted, all but the marker line: a
// secret that happened to match a project name must not unmark the issue
// and so cause a second one. It is re-rendered smaller when redaction
// (which can lengthen text) pushed it over GitHub's limit.
func (g *GitHub) driftBody(r plumb.DriftReport) string {
	redact := func(limit int) string {
		marker, rest, _ := strings.Cut(RenderDriftIssue(r, limit), "\n")
		return marker + "\n" + g.redact.String(rest)
	}
	limit := MaxIssueLen
	for range 3 {
		body := redact(limit)
		if len(body) <= MaxIssueLen {
			return body
		}
		limit = limit*MaxIssueLen/len(body) - 1024 // redaction grows text about evenly
	}
	return clip(redact(limit), MaxIssueLen)
}

// findDriftIssue is the project's issue, or nil when it has none.
func (g *GitHub) findDriftIssue(ctx context.Context, owner, name string, r plumb.DriftReport) (*github.Issue, error) {
	if r.Issue > 0 {
		is, _, err := g.client.Issues.Get(ctx, owner, name, r.Issue)
		err = g.fail(err, "read drift issue %s/%s#%d of %s", owner, name, r.Issue, r.Project)
		switch {
		case err == nil && ownDriftIssue(is, owner, name, r.Project, true):
			return is, nil
		case err != nil && plumb.ErrorCode(err) != plumb.ENOTFOUND:
			return nil, err
		}
		// Deleted, transferred, or not this project's: look by marker.
	}
	var found []*github.Issue
	opts := &github.IssueListByRepoOptions{State: "all", Labels: []string{DriftLabel}, ListOptions: github.ListOptions{PerPage: 100}}
	for {
		page, resp, err := g.client.Issues.ListByRepo(ctx, owner, name, opts)
		if err := g.fail(err, "list drift issues of %s/%s", owner, name); err != nil {
			return nil, err
		}
		for _, is := range page {
			if ownDriftIssue(is, owner, name, r.Project, false) {
				found = append(found, is)
			}
		}
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	if len(found) < 2 {
		if len(found) == 0 {
			return nil, nil
		}
		return found[0], nil
	}
	// Several carry the marker (a person copied the body): keep plumb's
	// own, then an open one, then the oldest, the same one every time.
	self, err := g.login(ctx)
	if err != nil {
		return nil, err
	}
	rank := func(is *github.Issue) int {
		n := 0
		if !strings.EqualFold(is.GetUser().GetLogin(), self) {
			n += 2
		}
		if is.GetState() != "open" {
			n++
		}
		return n
	}
	return slices.MinFunc(found, func(a, b *github.Issue) int {
		if d := rank(a) - rank(b); d != 0 {
			return d
		}
		return a.GetNumber() - b.GetNumber()
	}), nil
}

// ownDriftIssue reports whether is is project's drift issue in owner/name:
// an issue (not a pull request) of that repository whose marker names the
// project. byNumber also accepts a drift-labelled issue without any marker,
// the number plumb stored being the better witness when a person has
// rewritten the body.
func ownDriftIssue(is *github.Issue, owner, name, project string, byNumber bool) bool {
	if is.IsPullRequest() || !strings.HasSuffix(strings.ToLower(is.GetRepositoryURL()), strings.ToLower("/repos/"+owner+"/"+name)) {
		return false
	}
	repo, proj, ok := parseDriftMarker(is.GetBody())
	if !ok {
		return byNumber && slices.Contains(labelNames(is), DriftLabel)
	}
	return strings.EqualFold(repo, owner+"/"+name) && proj == project
}

func labelNames(is *github.Issue) []string {
	var out []string
	for _, l := range is.Labels {
		out = append(out, l.GetName())
	}
	return out
}

// createDriftIssue opens the issue at most once per call: a 5xx or broken
// connection may hide a create GitHub made, so ReportDrift lists again
// before it tries another.
func (g *GitHub) createDriftIssue(ctx context.Context, owner, name string, r plumb.DriftReport, body string) (int, error) {
	req := &github.IssueRequest{Title: github.String(g.redact.String(DriftTitle(r.Project))), Body: github.String(body),
		Labels: &[]string{DriftLabel}}
	is, _, err := g.client.Issues.Create(atMostOnce(ctx), owner, name, req)
	if err = g.fail(err, "open the drift issue of %s in %s/%s", r.Project, owner, name); err != nil {
		if plumb.ErrorCode(err) == plumb.EINTERNAL {
			return 0, &unsureCreate{err: err}
		}
		return 0, err
	}
	return is.GetNumber(), nil
}

func (g *GitHub) editDriftIssue(ctx context.Context, owner, name string, number int, req *github.IssueRequest) error {
	_, _, err := g.client.Issues.Edit(ctx, owner, name, number, req)
	return g.fail(err, "edit drift issue %s/%s#%d", owner, name, number)
}

// comment posts a plain comment, retried blind like Reply.
func (g *GitHub) comment(ctx context.Context, owner, name string, number int, body string) error {
	_, _, err := g.client.Issues.CreateComment(ctx, owner, name, number, &github.IssueComment{Body: github.String(g.redact.String(body))})
	return g.fail(err, "comment on %s/%s#%d", owner, name, number)
}
