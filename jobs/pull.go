package runner

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"slices"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/planner"
)

// Git gives the pull request job the commits of a repository, fetched from
// the forge. cmd/plumb implements it with vcs.
type Git interface {
	// Sync fetches repo from cloneURL so its branches' commits are present.
	Sync(ctx context.Context, repo, cloneURL string) error
	Tree(ctx context.Context, repo, sha string) (fs.FS, error)
	Changed(ctx context.Context, repo, base, head string) ([]planner.FileChange, error)
	MergeBase(ctx context.Context, repo, a, b string) (string, error)
}

// PullRequestJob plans the projects a pull request affects and reports
// back on the pull request: it is the queue's handler for pull_request
// events. It reads top to bottom as the story: sync → affected → lock →
// plan → report.
type PullRequestJob struct {
	Runner *Runner
	Store  plumb.Store
	Forge  plumb.Forge
	Git    Git
	Logger *slog.Logger
	// PlanDrafts plans draft pull requests too.
	PlanDrafts bool
	// AllowForks plans pull requests from forks: their code runs on this
	// machine with its credentials, so it is off unless asked for.
	AllowForks bool
	// Workflows a project may name; a plumb.yaml on a branch cannot add one.
	Workflows []string
	// Head, if set, reads a pull request's current head and whether it is
	// open, so an event overtaken by a newer push (or a retry after the PR
	// closed) never plans or reports an outdated commit.
	Head func(ctx context.Context, repo string, pr int) (sha string, open bool, err error)
}

func owner(pr int) string { return fmt.Sprintf("PR #%d", pr) }

// HandleEvent implements plumb.EventHandler.
func (j *PullRequestJob) HandleEvent(ctx context.Context, ev plumb.Event) error {
	if ev.Kind != plumb.EventPullRequest {
		j.Logger.Info("event not handled", "delivery", ev.Delivery, "kind", ev.Kind, "action", ev.Action)
		return nil
	}
	log := j.Logger.With("delivery", ev.Delivery, "repo", ev.Repo, "pr", ev.PR)
	switch ev.Action {
	case "closed":
		return j.closed(ctx, ev, log)
	case "opened", "reopened", "synchronize", "ready_for_review":
	default:
		log.Info("pull request action not handled", "action", ev.Action)
		return nil
	}
	switch {
	case ev.Draft && !j.PlanDrafts:
		log.Info("draft pull request not planned")
		return nil
	case ev.Fork && !j.AllowForks:
		log.Warn("pull request from a fork not planned: the server does not allow it")
		return j.Forge.SetStatus(ctx, ev.Repo, ev.HeadSHA, plumb.CommitStatus{Context: "plumb/plan", State: "error",
			Description: "Not planned: pull requests from forks are off on this server"})
	}
	return j.plan(ctx, ev, log)
}

// current says why ev no longer describes the pull request, or "".
func (j *PullRequestJob) current(ctx context.Context, ev plumb.Event) (string, error) {
	if j.Head == nil {
		return "", nil
	}
	sha, open, err := j.Head(ctx, ev.Repo, ev.PR)
	switch {
	case err != nil:
		return "", fmt.Errorf("read %s#%d: %w", ev.Repo, ev.PR, err)
	case !open:
		return "the pull request is closed", nil
	case sha != ev.HeadSHA:
		return fmt.Sprintf("superseded: the head is now %.12s", sha), nil
	}
	return "", nil
}

func (j *PullRequestJob) plan(ctx context.Context, ev plumb.Event, log *slog.Logger) error {
	if why, err := j.current(ctx, ev); err != nil || why != "" {
		if why != "" {
			log.Info("pull request event not planned", "head", ev.HeadSHA, "why", why)
		}
		return err
	}
	ch, tree, err := j.change(ctx, ev)
	if err != nil {
		return err
	}
	log.Info("planning pull request", "projects", len(ch.Projects), "base", ch.Base, "head", ch.Head)
	rep := plumb.PlanReport{Repo: ev.Repo, PR: ev.PR, Base: ch.Base, Head: ch.Head}
	var targets []Target
	var reasons [][]string
	held := false
	for _, a := range ch.Projects {
		t := Target{Repo: ev.Repo, Commit: ch.Head, Base: ch.Base, Tree: tree, Project: a.Project, Trigger: owner(ev.PR), AnyCommitSuperseded: true}
		if msg := j.forbidden(a.Project); msg != "" {
			rep.Projects = append(rep.Projects, plumb.ProjectReport{Run: j.Runner.record(ctx, t, plumb.RunPlan, plumb.RunFailed, msg, ""), Reasons: a.Reasons})
			continue
		}
		holder, err := j.Runner.lock(ctx, t, "plan", "")
		if err != nil && plumb.ErrorCode(err) != plumb.ECONFLICT {
			return err
		}
		if err != nil {
			held = true
			run := j.Runner.record(ctx, t, plumb.RunPlan, plumb.RunBlocked, "", holder.Owner)
			rep.Projects = append(rep.Projects, plumb.ProjectReport{Run: run, Reasons: a.Reasons, LockedBy: holder.Owner})
			continue
		}
		j.status(ctx, ev, a.Project.Name, "pending", "Planning…")
		targets = append(targets, t)
		reasons = append(reasons, a.Reasons)
	}
	for i, run := range j.Runner.PlanAll(ctx, targets, nil, nil) {
		rep.Projects = append(rep.Projects, plumb.ProjectReport{Run: run, Reasons: reasons[i]})
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
		return plumb.Errorf(plumb.ECONFLICT, "%s#%d: some projects are locked by another pull request", ev.Repo, ev.PR)
	}
	return nil
}

// change fetches the pull request and computes what it affects between its
// merge base and head.
func (j *PullRequestJob) change(ctx context.Context, ev plumb.Event) (plumb.Change, fs.FS, error) {
	if err := j.Git.Sync(ctx, ev.Repo, ev.CloneURL); err != nil {
		return plumb.Change{}, nil, fmt.Errorf("fetch %s: %w", ev.Repo, err)
	}
	base, err := j.Git.MergeBase(ctx, ev.Repo, ev.BaseSHA, ev.HeadSHA)
	if err != nil {
		return plumb.Change{}, nil, err
	}
	loader := planner.NewLoader()
	baseTree, err := j.Git.Tree(ctx, ev.Repo, base)
	if err != nil {
		return plumb.Change{}, nil, err
	}
	headTree, err := j.Git.Tree(ctx, ev.Repo, ev.HeadSHA)
	if err != nil {
		return plumb.Change{}, nil, err
	}
	// A broken plumb.yaml at base must not block the fix at head.
	baseIdx, _ := loader.Load(baseTree)
	headIdx, err := loader.Load(headTree)
	if err != nil {
		return plumb.Change{}, nil, err
	}
	files, err := j.Git.Changed(ctx, ev.Repo, base, ev.HeadSHA)
	if err != nil {
		return plumb.Change{}, nil, err
	}
	ch, err := planner.Affected(baseIdx, headIdx, files)
	ch.Base, ch.Head = base, ev.HeadSHA
	return ch, headTree, err
}

// closed releases what the pull request held and discards its saved plans.
func (j *PullRequestJob) closed(ctx context.Context, ev plumb.Event, log *slog.Logger) error {
	if ev.Merged {
		log.Info("pull request merged; its locks stay with the merge until it is applied")
		return nil
	}
	released, err := j.Store.ReleaseLocksOwnedBy(ctx, owner(ev.PR))
	if err != nil {
		return err
	}
	discarded := j.Runner.DiscardPlans(ctx, ev.Repo, owner(ev.PR))
	log.Info("pull request closed", "locks_released", len(released), "plans_discarded", discarded)
	return nil
}

// forbidden says why a project cannot run on this server, if it cannot.
func (j *PullRequestJob) forbidden(p plumb.Project) string {
	if p.Workflow != "" && !slices.Contains(j.Workflows, p.Workflow) {
		return fmt.Sprintf("workflow %q is not allowed by this server's configuration; ask its operators to add it", p.Workflow)
	}
	return ""
}

func (j *PullRequestJob) status(ctx context.Context, ev plumb.Event, project, state, desc string) {
	s := plumb.CommitStatus{Context: "plumb/plan: " + project, State: state, Description: desc}
	if err := j.Forge.SetStatus(ctx, ev.Repo, ev.HeadSHA, s); err != nil {
		j.Logger.Warn("set status", "repo", ev.Repo, "project", project, "err", err)
	}
}

func index(ch plumb.Change, name string) int {
	for i, a := range ch.Projects {
		if a.Project.Name == name {
			return i
		}
	}
	return len(ch.Projects)
}
