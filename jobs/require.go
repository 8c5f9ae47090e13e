package jobs

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/runner"
)

// Apply requirements a project may list in plumb.yaml.
const (
	ReqApproved   = "approved"   // an approving review of the head by someone other than the author, and no outstanding change request
	ReqMergeable  = "mergeable"  // GitHub says the pull request can merge (before the merge); its plans succeeded (after)
	ReqUndiverged = "undiverged" // the head contains the base branch (before the merge; a merge commit does by construction)
)

// requirements checks each target's apply requirements through the forge,
// right before the apply, and returns ApplyOptions.Refuse: the unmet ones
// of target i, or "". A merge that skipped them (an admin merge) applies
// nothing for that project.
func (j *Env) requirements(ctx context.Context, repo string, pr *plumb.PullRequest, targets []runner.Target, plans []*plumb.Run) (func(int) string, error) {
	need := map[string]bool{}
	for _, t := range targets {
		for _, r := range t.Project.ApplyRequirements {
			need[r] = true
		}
	}
	checks := map[string]string{} // requirement -> why unmet ("" when met)
	if need[ReqApproved] {
		reviews, err := j.Forge.Reviews(ctx, repo, pr.Number)
		if err != nil {
			return nil, fmt.Errorf("check apply requirements of %s#%d: %w", repo, pr.Number, err)
		}
		checks[ReqApproved] = approval(reviews, pr)
	}
	if need[ReqUndiverged] && !pr.Merged {
		mb, err := j.Git.MergeBase(ctx, repo, pr.HeadSHA, pr.BaseSHA)
		if err != nil {
			return nil, fmt.Errorf("check apply requirements of %s#%d: %w", repo, pr.Number, err)
		}
		if mb != pr.BaseSHA {
			checks[ReqUndiverged] = fmt.Sprintf("undiverged: the head lacks commits of %s (%.12s); merge or rebase it", pr.BaseRef, pr.BaseSHA)
		}
	}
	if need[ReqMergeable] && !pr.Merged {
		if pr.Mergeable == nil || !*pr.Mergeable || !slices.Contains([]string{"clean", "unstable", "has_hooks"}, pr.MergeableState) {
			checks[ReqMergeable] = fmt.Sprintf("mergeable: GitHub says the pull request cannot merge yet (%s)", orUnknown(pr.MergeableState))
		}
	}
	return func(i int) string {
		var unmet []string
		for _, r := range targets[i].Project.ApplyRequirements {
			why := checks[r]
			if r == ReqMergeable && pr.Merged && (i >= len(plans) || plans[i] == nil) {
				why = "mergeable: no successful plan of the merged head was made on the pull request"
			}
			if why != "" {
				unmet = append(unmet, why)
			}
		}
		if len(unmet) == 0 {
			return ""
		}
		return "not applied: apply requirement not met: " + strings.Join(unmet, "; ")
	}, nil
}

// approval says why the pull request lacks an approval of its head, or "".
func approval(reviews []plumb.Review, pr *plumb.PullRequest) string {
	latest := map[string]plumb.Review{}
	var order []string
	for _, r := range reviews {
		if r.State == "COMMENTED" || r.State == "PENDING" { // a comment neither approves nor withdraws
			continue
		}
		if _, seen := latest[r.User]; !seen {
			order = append(order, r.User)
		}
		latest[r.User] = r
	}
	approved := false
	var blocking []string
	for _, u := range order {
		r := latest[u]
		switch {
		case r.State == "CHANGES_REQUESTED":
			blocking = append(blocking, u)
		case r.State == "APPROVED" && r.CommitSHA == pr.HeadSHA && !strings.EqualFold(u, pr.Author):
			approved = true
		}
	}
	switch {
	case len(blocking) > 0:
		return "approved: changes requested by " + strings.Join(blocking, ", ")
	case !approved:
		return fmt.Sprintf("approved: no approving review of the head %.12s by someone other than its author %s", pr.HeadSHA, pr.Author)
	}
	return ""
}

func orUnknown(s string) string {
	if s == "" {
		return "state unknown"
	}
	return s
}
