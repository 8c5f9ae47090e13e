package jobs

import (
	"context"
	"fmt"
	"strings"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/runner"
)

// PushJob handles a push to the default branch that no pull request
// made: its affected projects are planned and recorded (runs, metrics,
// statuses on the pushed commit), and applied only where the project opts
// in with apply_on_push. A push made by merging a pull request is that
// pull request's merge job's to apply.
type PushJob struct {
	*Env
}

// Handle plans (and, where allowed, applies) a push to the default branch.
func (j *PushJob) Handle(ctx context.Context, ev plumb.Event) error {
	log := j.logger().With("delivery", ev.Delivery, "repo", ev.Repo, "branch", ev.HeadRef, "head", ev.HeadSHA)
	switch {
	case ev.DefaultBranch == "" || ev.HeadRef != ev.DefaultBranch:
		log.Info("push not to the default branch: not planned")
		return nil
	case strings.Trim(ev.BaseSHA, "0") == "":
		log.Info("push created the default branch: nothing to compare it with, not planned")
		return nil
	}
	prs, err := j.Forge.PullRequestsOf(ctx, ev.Repo, ev.HeadSHA)
	if err != nil {
		return fmt.Errorf("pull requests of %s@%.12s: %w", ev.Repo, ev.HeadSHA, err)
	}
	if len(prs) > 0 {
		log.Info("push is the merge of a pull request: its merge job applies it", "pr", prs[0].Number)
		return nil
	}
	ch, tree, err := j.change(ctx, ev.Repo, ev.CloneURL, ev.BaseSHA, ev.HeadSHA)
	if err != nil {
		return err
	}
	trigger := ev.HeadRef
	var targets []runner.Target
	for _, a := range ch.Projects {
		targets = append(targets, runner.Target{Repo: ev.Repo, Commit: ev.HeadSHA, Base: ch.Base, Tree: tree, Project: a.Project, Trigger: trigger})
	}
	cp := j.policyFor(ctx, ev.Repo, nil, ch.Base, ev.HeadSHA, tree, targets)
	if cp.err != nil {
		return cp.err // the default branch's own policies: its owners fix them
	}
	withPolicy(targets, cp.check)
	log.Info("planning push to the default branch", "projects", len(targets), "unplanned_dirs", len(ch.Unplanned))
	plans := j.Runner.PlanAll(ctx, targets, nil, nil)
	rep := plumb.PlanReport{Repo: ev.Repo, Base: ch.Base, Head: ev.HeadSHA, Unplanned: ch.Unplanned}
	var apply []runner.Target
	var reviewed []*plumb.Run
	for i, run := range plans {
		rep.Projects = append(rep.Projects, plumb.ProjectReport{Run: run, Reasons: ch.Projects[i].Reasons})
		if targets[i].Project.ApplyOnPush && run.Status == plumb.RunChanges {
			apply = append(apply, targets[i])
			reviewed = append(reviewed, run)
		}
	}
	// No pull request: the report is the statuses on the pushed commit.
	if err := j.Forge.ReportPlans(ctx, rep); err != nil {
		return fmt.Errorf("report the plans of %s@%.12s: %w", ev.Repo, ev.HeadSHA, err)
	}
	if len(apply) == 0 {
		return nil
	}
	// apply_on_push is the project's owners saying a push needs no review:
	// the plan just made is what gets applied, under the branch's lock.
	log.Info("applying push (apply_on_push)", "projects", len(apply))
	applied := plumb.PlanReport{Repo: ev.Repo, Kind: plumb.RunApply, Base: ch.Base, Head: ev.HeadSHA}
	for _, run := range j.Runner.ApplyAll(ctx, apply, reviewed, runner.ApplyOptions{Reviewed: true, StopLaterEnvironments: true,
		RefusePlan: j.refuseDenied(ctx, apply, 0)}) {
		applied.Projects = append(applied.Projects, plumb.ProjectReport{Run: run})
	}
	if err := j.Forge.ReportPlans(ctx, applied); err != nil {
		return fmt.Errorf("report the applies of %s@%.12s: %w", ev.Repo, ev.HeadSHA, err)
	}
	return nil
}
