package jobs

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/runner"
)

// approveRefused says why the sender may not approve policy denials on
// pr, or "". Write permission is checked before.
func (j *CommandJob) approveRefused(ctx context.Context, ev plumb.Event, pr *plumb.PullRequest) (string, error) {
	switch {
	case !j.policyOn():
		return "no policy checks run on this server: there is nothing to approve.", nil
	case pr.Fork:
		return "pull requests from forks are never applied.", nil
	case strings.EqualFold(ev.Sender, pr.Author):
		return "the author of a pull request cannot approve its policy denials; ask a reviewer.", nil
	}
	if len(j.Settings.PolicyApprovers) == 0 {
		return "", nil
	}
	ok, err := j.among(ctx, j.Settings.PolicyApprovers, ev.Sender)
	if err != nil || !ok {
		return "policy approvals on this server are limited to " + strings.Join(j.Settings.PolicyApprovers, ", ") + ".", err
	}
	return "", nil
}

// approvePolicies records the sender's approval of the policy denials of
// each chosen project's newest plan on the pull request: the one an apply
// takes (at the head, or, once merged, one the merge planned again). It
// approves that plan only: a push makes new plans, which need a new one.
func (j *CommandJob) approvePolicies(ctx context.Context, ev plumb.Event, pr *plumb.PullRequest, names []string) error {
	runs, err := j.Store.Runs(ctx, plumb.RunFilter{Repo: ev.Repo, Kind: plumb.RunPlan, Trigger: prTrigger(ev.PR), Limit: 500})
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	var done, already []string
	for _, r := range runs { // newest first: the first of each project is its plan under review
		key := r.Project + "\x00" + r.Workspace
		if seen[key] || (len(names) > 0 && !slices.Contains(names, r.Project)) {
			continue
		}
		seen[key] = true
		current := r.Commit == pr.HeadSHA || (pr.Merged && r.Commit == pr.MergeCommitSHA)
		if !current || (r.Status != plumb.RunChanges && r.Status != plumb.RunNoChanges) || runner.PolicyDenied(r) == "" {
			continue
		}
		by, err := j.approvedBy(ctx, r)
		if err != nil {
			return err
		}
		if by != "" {
			already = append(already, fmt.Sprintf("%s (plan %s, by @%s)", r.Project, r.ID, by))
			continue
		}
		a := &plumb.PolicyApproval{Repo: ev.Repo, Project: r.Project, RunID: r.ID, PlanSHA256: r.PlanSHA256, By: ev.Sender}
		if err := j.Store.CreatePolicyApproval(ctx, a); err != nil {
			return fmt.Errorf("record the approval of plan %s: %w", r.ID, err)
		}
		if err := j.Store.RecordAudit(ctx, plumb.AuditEntry{Actor: ev.Sender, Action: "approve_policies", Repo: ev.Repo,
			Project: r.Project, Commit: r.Commit, RunID: r.ID, Result: "approved"}); err != nil {
			j.logger().Error("record audit", "action", "approve_policies", "err", err)
		}
		if r.Commit == pr.HeadSHA {
			j.status(ctx, ev.Repo, r.Commit, "plumb/plan: "+r.Project, "success",
				fmt.Sprintf("policy denied (%d); approved by @%s", len(r.Policy.Deny), ev.Sender))
		}
		done = append(done, fmt.Sprintf("- %s: plan %s at %.12s, %s", r.Project, r.ID, r.Commit, deniedRules(r)))
	}
	var b strings.Builder
	if len(done) == 0 {
		fmt.Fprintf(&b, "@%s nothing to approve: no current plan of this pull request%s is denied by policy.", ev.Sender, forNames(names))
	} else {
		fmt.Fprintf(&b, "@%s approved the policy denials of:\n%s\n\n", ev.Sender, strings.Join(done, "\n"))
		switch {
		case pr.Merged:
			b.WriteString("Comment `plumb apply` (or `-p NAME`) to apply them. ")
		case j.Settings.ApplyBeforeMerge:
			b.WriteString("They apply on merge, or with `plumb apply`. ")
		default:
			b.WriteString("They apply on merge. ")
		}
		b.WriteString("This approves these plans only: a new push makes new plans, which need a new approval.")
	}
	if len(already) > 0 {
		fmt.Fprintf(&b, "\n\nAlready approved: %s.", strings.Join(already, ", "))
	}
	return j.reply(ctx, ev, b.String())
}

// deniedRules lists a plan's denied rules, each once.
func deniedRules(r *plumb.Run) string {
	var rules []string
	for _, d := range r.Policy.Deny {
		if name := d.Namespace + "." + d.Rule; !slices.Contains(rules, name) {
			rules = append(rules, name)
		}
	}
	return fmt.Sprintf("%d denied (%s)", len(r.Policy.Deny), strings.Join(rules, ", "))
}
