package jobs

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"slices"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/runner"
)

// PullRequestJob plans the projects a pull request affects and reports
// back on the pull request. It reads top to bottom as the story: sync →
// affected → lock → plan → report.
type PullRequestJob struct {
	*Env
}

// Handle plans an opened or updated pull request, or releases what a
// pull request closed without merging held.
func (j *PullRequestJob) Handle(ctx context.Context, ev plumb.Event) error {
	log := j.logger().With("delivery", ev.Delivery, "repo", ev.Repo, "pr", ev.PR)
	switch ev.Action {
	case "closed":
		return j.closed(ctx, ev, log)
	case "opened", "reopened", "synchronize", "ready_for_review":
	default:
		log.Info("pull request action not handled", "action", ev.Action)
		return nil
	}
	switch {
	case ev.Draft && !j.Settings.PlanDrafts:
		log.Info("draft pull request not planned")
		return nil
	case ev.Fork && !j.Settings.AllowForks:
		log.Warn("pull request from a fork not planned: the server does not allow it")
		return j.Forge.SetStatus(ctx, ev.Repo, ev.HeadSHA, plumb.CommitStatus{Context: "plumb/plan", State: "error",
			Description: "Not planned: pull requests from forks are off on this server"})
	}
	if why, err := j.current(ctx, ev); err != nil || why != "" {
		if why != "" {
			log.Info("pull request event not planned", "head", ev.HeadSHA, "why", why)
		}
		return err
	}
	return j.Plan(ctx, ev, Selector{}, log)
}

// current says why ev no longer describes the pull request, or "": an
// event overtaken by a newer push (or a retry after the pull request
// closed) never plans or reports an outdated commit.
func (j *PullRequestJob) current(ctx context.Context, ev plumb.Event) (string, error) {
	pr, err := j.Forge.PullRequest(ctx, ev.Repo, ev.PR)
	switch {
	case err != nil:
		return "", fmt.Errorf("read %s#%d: %w", ev.Repo, ev.PR, err)
	case pr.State != "open":
		return "the pull request is closed", nil
	case pr.HeadSHA != ev.HeadSHA:
		return fmt.Sprintf("superseded: the head is now %.12s", pr.HeadSHA), nil
	}
	return "", nil
}

// Selector narrows a plan or apply to named projects, a directory or a
// workspace (comment commands); the zero Selector takes the change's
// affected projects.
type Selector struct {
	Projects       []string
	Dir, Workspace string
}

func (s Selector) empty() bool { return len(s.Projects) == 0 && s.Dir == "" && s.Workspace == "" }

func (s Selector) match(p plumb.Project) bool {
	return (len(s.Projects) == 0 || slices.Contains(s.Projects, p.Name)) &&
		(s.Dir == "" || s.Dir == p.Dir) && (s.Workspace == "" || s.Workspace == workspace(p))
}

// Plan plans the pull request's projects chosen by sel at ev.HeadSHA and
// reports them. Projects locked by another owner wait in line: the error
// is then ECONFLICT, and the queue tries again later.
func (j *PullRequestJob) Plan(ctx context.Context, ev plumb.Event, sel Selector, log *slog.Logger) error {
	ch, tree, err := j.change(ctx, ev.Repo, ev.CloneURL, ev.BaseSHA, ev.HeadSHA)
	if plumb.ErrorCode(err) == plumb.EINVALID {
		return j.badConfig(ctx, ev, plumb.RunPlan, ev.HeadSHA, err)
	}
	if err != nil {
		return err
	}
	affected := ch.Projects
	if !sel.empty() {
		affected = slices.DeleteFunc(slices.Clone(ch.Projects), func(a plumb.Affected) bool { return !sel.match(a.Project) })
		if len(affected) == 0 {
			return plumb.Errorf(plumb.EINVALID, "no project of this pull request matches %s", sel)
		}
	}
	log.Info("planning pull request", "projects", len(affected), "base", ch.Base, "head", ch.Head)
	rep := plumb.PlanReport{Repo: ev.Repo, PR: ev.PR, Base: ch.Base, Head: ch.Head, Unplanned: ch.Unplanned}
	var targets []runner.Target
	var reasons [][]string
	held := false
	for _, a := range affected {
		t := runner.Target{Repo: ev.Repo, Commit: ch.Head, Base: ch.Base, Tree: tree, Project: a.Project, Trigger: prTrigger(ev.PR), AnyCommitSuperseded: true}
		if msg := j.forbidden(a.Project); msg != "" {
			rep.Projects = append(rep.Projects, plumb.ProjectReport{Run: j.Runner.Record(ctx, t, plumb.RunPlan, plumb.RunFailed, msg, ""), Reasons: a.Reasons})
			continue
		}
		holder, err := j.Runner.Lock(ctx, t, "plan", "")
		if err != nil && plumb.ErrorCode(err) != plumb.ECONFLICT {
			return err
		}
		if err != nil {
			held = true
			pr := plumb.ProjectReport{Run: j.Runner.Record(ctx, t, plumb.RunPlan, plumb.RunBlocked, "", holder.Owner), Reasons: a.Reasons}
			j.waitInLine(ctx, t, holder, &pr)
			rep.Projects = append(rep.Projects, pr)
			continue
		}
		j.status(ctx, ev.Repo, ev.HeadSHA, "plumb/plan: "+a.Project.Name, "pending", "Planning…")
		targets = append(targets, t)
		reasons = append(reasons, a.Reasons)
	}
	targets, err = j.checkedBy(ctx, ev, ch, tree, targets, &rep, reasons)
	if err != nil {
		return err
	}
	for i, run := range j.Runner.PlanAll(ctx, targets, nil, nil) {
		rep.Projects = append(rep.Projects, plumb.ProjectReport{Run: run, Reasons: reasons[i], Next: j.policyNext(run)})
	}
	slices.SortStableFunc(rep.Projects, func(a, b plumb.ProjectReport) int { return index(ch, a.Run.Project) - index(ch, b.Run.Project) })
	// Plans take a while: a push meanwhile has its own event, whose report wins.
	if why, err := j.current(ctx, ev); err != nil || why != "" {
		if why != "" {
			log.Info("plans not reported", "head", ev.HeadSHA, "why", why)
		}
		return err
	}
	if err := j.Forge.ReportPlans(ctx, rep); err != nil {
		return fmt.Errorf("report plans on %s#%d: %w", ev.Repo, ev.PR, err)
	}
	if held {
		// The queue tries again later; the comment already says who holds
		// the lock, and the next attempt plans once it is free.
		return plumb.Errorf(plumb.ECONFLICT, "%s#%d: some projects are locked by another owner", ev.Repo, ev.PR)
	}
	return nil
}

func (s Selector) String() string {
	out := ""
	for _, p := range s.Projects {
		out += " -p " + p
	}
	if s.Dir != "" {
		out += " -d " + s.Dir
	}
	if s.Workspace != "" {
		out += " -w " + s.Workspace
	}
	if out == "" {
		return "(everything)"
	}
	return out[1:]
}

// closed releases what a pull request closed without merging held and
// discards its saved plans: they must never be applied.
func (j *PullRequestJob) closed(ctx context.Context, ev plumb.Event, log *slog.Logger) error {
	released, err := j.Store.ReleaseLocksOwnedBy(ctx, prTrigger(ev.PR))
	if err != nil {
		return err
	}
	for _, l := range released {
		j.released(ctx, l.Key)
	}
	discarded := j.Runner.DiscardPlans(ctx, ev.Repo, prTrigger(ev.PR))
	log.Info("pull request closed", "locks_released", len(released), "plans_discarded", discarded)
	return nil
}

// checkedBy gives the targets the pull request's policy check. When a
// policy set of the branch does not load, no target is planned: each
// fails with why.
func (j *PullRequestJob) checkedBy(ctx context.Context, ev plumb.Event, ch plumb.Change, tree fs.FS, targets []runner.Target, rep *plumb.PlanReport, reasons [][]string) ([]runner.Target, error) {
	var pr *plumb.PullRequest
	if j.policyOn() {
		var err error
		if pr, err = j.Forge.PullRequest(ctx, ev.Repo, ev.PR); err != nil {
			return nil, fmt.Errorf("read %s#%d: %w", ev.Repo, ev.PR, err)
		}
	}
	cp := j.policyFor(ctx, ev.Repo, pr, ch.Base, ch.Head, tree, targets)
	rep.Note += cp.note
	if cp.err != nil {
		for i, t := range targets {
			run := j.Runner.Record(ctx, t, plumb.RunPlan, plumb.RunFailed, plumb.ErrorMessage(cp.err), "")
			rep.Projects = append(rep.Projects, plumb.ProjectReport{Run: run, Reasons: reasons[i]})
		}
		return nil, nil
	}
	withPolicy(targets, cp.check)
	return targets, nil
}

// forbidden says why a project cannot run on this server, if it cannot.
func (j *PullRequestJob) forbidden(p plumb.Project) string {
	if p.Workflow != "" && !slices.Contains(j.Settings.Workflows, p.Workflow) {
		return fmt.Sprintf("workflow %q is not allowed by this server's configuration; ask its operators to add it", p.Workflow)
	}
	return ""
}
