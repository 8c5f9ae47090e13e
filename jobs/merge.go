package jobs

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"slices"
	"strings"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/planner"
	"github.com/plumbhq/plumb/runner"
)

// MergeJob applies a merged pull request: the projects it changed, on the
// merge commit, in apply order, each under the lock the pull request has
// held since it was planned, applying only what was reviewed. The story:
// sync → what the pull request changed → the reviewed plans → the apply
// requirements → apply one by one, editing one apply comment → release
// the locks of what applied.
type MergeJob struct {
	*Env
}

// mergeBatch is one merged pull request's projects at its merge commit.
type mergeBatch struct {
	ev      plumb.Event
	pr      *plumb.PullRequest
	merge   string
	targets []runner.Target
	reasons [][]string
	plans   []*plumb.Run // the reviewed plan of each target, or nil
	rep     plumb.PlanReport
	// explicit, when set, is a `plumb apply` comment's choice: those
	// projects are applied again whatever an earlier attempt left, except
	// what already applied.
	explicit *Selector
	policy   changePolicy // what checks a plan made again (policy.go)
}

// Handle applies a merged pull request. Run again (a retry of the queue,
// a restart), it applies only what no earlier attempt got to: a project
// applied, refused or interrupted before keeps that outcome, since applying
// again is for a human to decide (`plumb apply`).
func (j *MergeJob) Handle(ctx context.Context, ev plumb.Event) error {
	log := j.logger().With("delivery", ev.Delivery, "repo", ev.Repo, "pr", ev.PR)
	if ev.Fork {
		// Its plans (if the server allowed them) never ran its code with
		// apply rights; after the merge the code is the default branch's.
		log.Info("merged pull request came from a fork; applying the merge commit as reviewed")
	}
	b, err := j.batch(ctx, ev, log)
	if err != nil || b == nil {
		return err
	}
	if len(b.targets) == 0 {
		log.Info("merged pull request changes no project")
		return j.report(ctx, b)
	}
	for _, t := range b.targets {
		j.status(ctx, ev.Repo, b.merge, "plumb/apply: "+t.Project.Name, "pending", "Waiting to apply")
	}
	return j.Apply(ctx, b, log)
}

// batch reads what the merged pull request changed, as projects at its
// merge commit with their reviewed plans, or nil when there is nothing to
// do (not merged after all).
func (j *MergeJob) batch(ctx context.Context, ev plumb.Event, log *slog.Logger) (*mergeBatch, error) {
	pr, err := j.Forge.PullRequest(ctx, ev.Repo, ev.PR)
	if err != nil {
		return nil, fmt.Errorf("read %s#%d: %w", ev.Repo, ev.PR, err)
	}
	if !pr.Merged {
		// GitHub's API can lag its webhooks: try again later rather than
		// drop a merge; the queue's record says why if it never agrees.
		return nil, fmt.Errorf("%s#%d: the webhook says merged, GitHub's API not yet; trying again", ev.Repo, ev.PR)
	}
	return j.batchFor(ctx, ev, pr, log)
}

// batchFor is the batch of pr: at its merge commit once merged, else at
// its head (an apply before the merge, where the server allows it).
func (j *MergeJob) batchFor(ctx context.Context, ev plumb.Event, pr *plumb.PullRequest, log *slog.Logger) (*mergeBatch, error) {
	merge := pr.HeadSHA
	if pr.Merged {
		merge = pr.MergeCommitSHA
		if merge == "" {
			merge = ev.MergeCommitSHA
		}
	}
	if merge == "" {
		return nil, plumb.Errorf(plumb.EINVALID, "%s#%d is merged but GitHub names no merge commit", ev.Repo, ev.PR)
	}
	// What the pull request changed, as it was reviewed: its affected set
	// between the base its plans were made against and its head. (After a
	// merge, base.sha may already contain the head, whose merge base with
	// it is then the head itself: an empty change.)
	base := pr.BaseSHA
	if plans, err := j.Store.Runs(ctx, plumb.RunFilter{Repo: ev.Repo, Kind: plumb.RunPlan, Commit: pr.HeadSHA, Trigger: prTrigger(ev.PR), Limit: 1}); err != nil {
		return nil, err
	} else if len(plans) == 1 && plans[0].Base != "" {
		base = plans[0].Base
	}
	ch, _, err := j.change(ctx, ev.Repo, ev.CloneURL, base, pr.HeadSHA)
	if plumb.ErrorCode(err) == plumb.EINVALID {
		return nil, j.badConfig(ctx, ev, plumb.RunApply, merge, err)
	}
	if err != nil {
		return nil, err
	}
	// The same projects as they are on the merge commit (a base that moved
	// since brings other commits along: their own pull requests apply them).
	tree, err := j.Git.Tree(ctx, ev.Repo, merge)
	if err != nil {
		return nil, err
	}
	b := &mergeBatch{ev: ev, pr: pr, merge: merge,
		rep: plumb.PlanReport{Repo: ev.Repo, PR: ev.PR, Kind: plumb.RunApply, Base: pr.BaseSHA, Head: merge, Unplanned: ch.Unplanned}}
	atMerge, err := j.projectsAt(ctx, ev.Repo, tree)
	if err != nil {
		return nil, err
	}
	for _, p := range atMerge {
		i := slices.IndexFunc(ch.Projects, func(a plumb.Affected) bool { return a.Project.Name == p.Name })
		if i < 0 {
			continue
		}
		t := runner.Target{Repo: ev.Repo, Commit: merge, Base: ch.Base, Tree: tree, Project: p, Trigger: prTrigger(ev.PR)}
		reviewed, err := j.Runner.LatestPlan(ctx, t, pr.HeadSHA, prTrigger(ev.PR))
		if err != nil {
			return nil, err
		}
		if pr.Merged && j.appliedBefore(ctx, t, pr.HeadSHA) {
			// Applied before the merge: the merge commit must now plan no
			// changes, and anything else is for a human to review.
			reviewed = nil
		}
		b.targets = append(b.targets, t)
		b.reasons = append(b.reasons, ch.Projects[i].Reasons)
		b.plans = append(b.plans, reviewed)
	}
	b.policy = j.policyFor(ctx, ev.Repo, pr, ch.Base, pr.HeadSHA, tree, b.targets)
	withPolicy(b.targets, b.policy.check)
	for _, a := range ch.Projects {
		if !slices.ContainsFunc(atMerge, func(p plumb.Project) bool { return p.Name == a.Project.Name }) {
			b.rep.Note += fmt.Sprintf("%s is not a project at the merge commit: nothing applied for it. ", a.Project.Name)
		}
	}
	for _, p := range ch.Removed {
		b.rep.Note += fmt.Sprintf("%s was removed: plumb does not destroy its resources; do that by hand. ", p.Name)
	}
	return b, nil
}

// projectsAt lists the projects at a commit, in apply order.
func (j *MergeJob) projectsAt(ctx context.Context, repo string, tree fs.FS) ([]plumb.Project, error) {
	idx, err := planner.NewLoader().Load(tree)
	if err != nil {
		return nil, fmt.Errorf("%s: plumb.yaml at the merge commit: %w", repo, err)
	}
	return idx.Projects, nil
}

// Apply applies a batch under its locks, editing the apply comment as
// each project ends. It returns ECONFLICT when a project waits for a lock
// another owner holds, so the queue tries the rest again later.
func (j *MergeJob) Apply(ctx context.Context, b *mergeBatch, log *slog.Logger) error {
	prior, err := j.priorOutcomes(ctx, b)
	if err != nil {
		return err
	}
	if err := j.retry(ctx, b, prior); err != nil {
		return err
	}
	refuse, err := j.requirements(ctx, b.ev.Repo, b.pr, b.targets, b.plans)
	if err != nil {
		return err
	}
	b.rep.Projects = make([]plumb.ProjectReport, len(b.targets))
	for i, t := range b.targets {
		b.rep.Projects[i] = plumb.ProjectReport{Run: prior[i], Reasons: b.reasons[i]}
		if b.rep.Projects[i].Run == nil {
			b.rep.Projects[i].Run = pendingRun(t)
		}
	}
	held := false
	locks := make([]plumb.Lock, len(b.targets))
	blocked := map[int]plumb.Lock{}
	for i, t := range b.targets {
		if prior[i] != nil {
			continue
		}
		l, err := j.Runner.Lock(ctx, t, "apply", "")
		switch {
		case plumb.ErrorCode(err) == plumb.ECONFLICT:
			held = true
			blocked[i] = l
		case err != nil:
			return err
		}
		locks[i] = l
	}
	log.Info("applying merged pull request", "merge", b.merge, "projects", len(b.targets), "blocked", len(blocked))
	opts := runner.ApplyOptions{
		Reviewed:              true,
		StopLaterEnvironments: true,
		Prior: func(i int) *plumb.Run {
			if l, ok := blocked[i]; ok {
				rep := &b.rep.Projects[i]
				rep.Run = j.Runner.Record(ctx, b.targets[i], plumb.RunApply, plumb.RunBlocked, "", l.Owner)
				j.waitInLine(ctx, b.targets[i], l, rep)
				return rep.Run
			}
			return prior[i]
		},
		Refuse:     refuse,
		RefusePlan: j.refusePlan(ctx, b),
		Finished: func(i int, run *plumb.Run) {
			rep := &b.rep.Projects[i]
			rep.Run, rep.Differences, rep.Next = run, run.Differences, nextStep(run)
			if b.pr.Merged { // applied before the merge: the lock stays until the merge
				j.settle(ctx, b.targets[i], locks[i], run, prior[i] != nil)
			}
			if prior[i] == nil {
				if err := j.Forge.ReportPlans(ctx, b.rep); err != nil {
					log.Warn("report applies", "err", err) // the final report below retries
				}
			}
		},
	}
	j.Runner.ApplyAll(ctx, b.targets, b.plans, opts)
	if err := j.report(ctx, b); err != nil {
		return err
	}
	if held {
		return plumb.Errorf(plumb.ECONFLICT, "%s#%d: some projects wait for a lock another owner holds", b.ev.Repo, b.ev.PR)
	}
	return nil
}

// report writes the apply comment and the plumb/apply statuses.
func (j *MergeJob) report(ctx context.Context, b *mergeBatch) error {
	if err := j.Forge.ReportPlans(ctx, b.rep); err != nil {
		return fmt.Errorf("report applies on %s#%d: %w", b.ev.Repo, b.ev.PR, err)
	}
	return nil
}

// priorOutcomes finds, per target, the apply run an earlier attempt of
// this merge left (applied, failed, refused, interrupted): it stands.
// Blocked and skipped ones did not apply anything and are tried again.
func (j *MergeJob) priorOutcomes(ctx context.Context, b *mergeBatch) ([]*plumb.Run, error) {
	out := make([]*plumb.Run, len(b.targets))
	for i, t := range b.targets {
		runs, err := j.Store.Runs(ctx, plumb.RunFilter{Repo: t.Repo, Project: t.Project.Name, Kind: plumb.RunApply, Commit: t.Commit, Trigger: t.Trigger, Limit: 5})
		if err != nil {
			return nil, err
		}
		for _, r := range runs {
			if r.Workspace != workspace(t.Project) {
				continue
			}
			if !r.Status.Done() {
				return nil, unfinishedPrior(b.ev, r)
			}
			if r.Status != plumb.RunBlocked && r.Status != plumb.RunSkipped {
				out[i] = r
			}
			break
		}
	}
	return out, nil
}

// retry makes the projects an explicit apply chose apply again: the plan
// the earlier attempt kept (a new plan it refused, one it failed to
// apply) is the one under review now.
func (j *MergeJob) retry(ctx context.Context, b *mergeBatch, prior []*plumb.Run) error {
	if b.explicit == nil {
		return nil
	}
	for i, t := range b.targets {
		p := prior[i]
		if !b.explicit.match(t.Project) {
			if p == nil { // not chosen: neither it nor what depends on it applies now
				p = pendingRun(t)
				p.Status, p.Error = plumb.RunSkipped, "not chosen by the `plumb apply` comment"
				prior[i] = p
			}
			continue
		}
		if p != nil && (p.Status == plumb.RunApplied || p.Status == plumb.RunNoChanges || earlierAttempt(b.ev, p)) {
			continue // applied, or this very command's outcome: it stands
		}
		if p != nil && p.PlanID != "" {
			plan, err := j.Store.Run(ctx, p.PlanID)
			if err != nil {
				return fmt.Errorf("the plan %s kept by run %s: %w", p.PlanID, p.ID, err)
			}
			b.plans[i] = plan
		}
		prior[i] = nil
	}
	return nil
}

// appliedBefore reports whether the pull request applied t's project at
// its head before it was merged.
func (j *MergeJob) appliedBefore(ctx context.Context, t runner.Target, head string) bool {
	runs, err := j.Store.Runs(ctx, plumb.RunFilter{Repo: t.Repo, Project: t.Project.Name, Kind: plumb.RunApply, Commit: head, Trigger: t.Trigger, Limit: 1})
	return err == nil && len(runs) == 1 && runs[0].Status == plumb.RunApplied
}

// settle releases a project's lock once it applied (or had nothing to
// apply); a failure keeps it, with the reason, until a human retries or
// unlocks.
func (j *MergeJob) settle(ctx context.Context, t runner.Target, l plumb.Lock, run *plumb.Run, wasPrior bool) {
	if l.ID == "" && !wasPrior {
		return
	}
	ctx = context.WithoutCancel(ctx)
	if l.ID == "" {
		locks, err := j.Store.Locks(ctx)
		if err != nil {
			return
		}
		for _, h := range locks {
			if h.Key == t.LockKey() && h.Owner == t.Trigger {
				l = h
			}
		}
		if l.ID == "" {
			return
		}
	}
	switch run.Status {
	case plumb.RunApplied, plumb.RunNoChanges:
		if err := j.Store.ReleaseLock(ctx, l.ID); err != nil && plumb.ErrorCode(err) != plumb.ENOTFOUND {
			j.logger().Error("release lock", "project", t.Project.Name, "err", err)
		}
		j.released(ctx, l.Key)
	case plumb.RunFailed, plumb.RunSkipped:
		if runner.Interrupted(run) || wasPrior {
			return // RecoverInterrupted, or the earlier attempt, wrote the reason
		}
		l.Reason, l.RunID = fmt.Sprintf("apply of %.12s not done (run %s): %s", t.Commit, run.ID, firstLine(run.Error)), run.ID
		if err := j.Store.UpdateLock(ctx, l); err != nil {
			j.logger().Error("update lock", "project", t.Project.Name, "err", err)
		}
	}
}

// nextStep tells people what to do about a run that applied nothing.
func nextStep(run *plumb.Run) string {
	switch {
	case runner.Interrupted(run):
		return fmt.Sprintf("Check the state of %s, then comment `plumb apply -p %s` to apply again, or `plumb unlock -p %s`.", run.Project, run.Project, run.Project)
	case run.Status == plumb.RunFailed && run.PlanID != "":
		return fmt.Sprintf("Comment `plumb apply -p %s` to apply the new plan shown here, or `plumb unlock -p %s` to leave it.", run.Project, run.Project)
	case run.Status == plumb.RunFailed:
		return fmt.Sprintf("The lock stays until `plumb apply -p %s` succeeds or `plumb unlock -p %s`.", run.Project, run.Project)
	}
	return ""
}

// pendingRun stands for a project not yet applied in the comment.
func pendingRun(t runner.Target) *plumb.Run {
	return &plumb.Run{Repo: t.Repo, Project: t.Project.Name, Dir: t.Project.Dir, Workspace: workspace(t.Project),
		Kind: plumb.RunApply, Status: plumb.RunQueued, Trigger: t.Trigger, Commit: t.Commit, Resources: []plumb.ResourceChange{}}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}
