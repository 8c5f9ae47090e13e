package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/planner"
	"github.com/plumbhq/plumb/runner"
)

// Kinds of the drift sweep's queue jobs.
const (
	// KindDriftSweep: one repository at one tick: which projects are due.
	KindDriftSweep = "drift_sweep"
	// KindDriftCheck: one project due at one tick.
	KindDriftCheck = "drift_check"
)

// SweepArgs are a drift_sweep job's: the repository and the time whose
// due ticks it handles.
type SweepArgs struct {
	Repo          string    `json:"repo"`
	CloneURL      string    `json:"clone_url"`
	DefaultBranch string    `json:"default_branch"`
	At            time.Time `json:"at"`
}

// checkArgs are a drift_check job's.
type checkArgs struct {
	Repo     string    `json:"repo"`
	CloneURL string    `json:"clone_url"`
	Commit   string    `json:"commit"`
	Ref      string    `json:"ref"`
	Project  string    `json:"project"`
	Tick     time.Time `json:"tick"`
}

// DriftJob runs the drift sweep's jobs: a sweep of a repository finds the
// projects whose schedule has a tick at or before its time that they
// have not had (so a tick missed while no plumb was up is caught up,
// once), and queues one check per project, spread over part of the
// schedule's interval; a check runs the project's drift check at the
// default branch's head, keeps its state and history, and keeps its
// issue. Each job's key names its tick, so enqueuing it again (a
// restart, another replica) runs it once.
type DriftJob struct {
	*Env
	// Learn, if set, hears which schedules a sweep found in a repository
	// (DriftScheduler.Learn).
	Learn func(repo string, specs []string)
}

// HandleJob implements plumb.JobHandler.
func (j *DriftJob) HandleJob(ctx context.Context, job plumb.Job) error {
	switch job.Kind {
	case KindDriftSweep:
		var a SweepArgs
		if err := json.Unmarshal(job.Args, &a); err != nil {
			return plumb.Errorf(plumb.EINVALID, "drift sweep %s: bad args: %v", job.Key, err)
		}
		specs, err := j.Sweep(ctx, a)
		if err == nil && j.Learn != nil {
			j.Learn(a.Repo, specs)
		}
		return err
	case KindDriftCheck:
		var a checkArgs
		if err := json.Unmarshal(job.Args, &a); err != nil {
			return plumb.Errorf(plumb.EINVALID, "drift check %s: bad args: %v", job.Key, err)
		}
		return j.check(ctx, a)
	}
	return plumb.Errorf(plumb.EINVALID, "drift: no job of kind %q", job.Kind)
}

// Sweep queues the checks of a.Repo's projects due at a.At and returns
// the schedules its projects use (for the scheduler to watch).
func (j *DriftJob) Sweep(ctx context.Context, a SweepArgs) ([]string, error) {
	log := j.logger().With("repo", a.Repo, "at", a.At)
	if err := j.Git.Sync(ctx, a.Repo, a.CloneURL); err != nil {
		return nil, fmt.Errorf("drift sweep: fetch %s: %w", a.Repo, err)
	}
	branch := a.DefaultBranch
	if branch == "" {
		branch = "main"
	}
	head, err := j.Git.Resolve(ctx, a.Repo, "refs/heads/"+branch)
	if err != nil {
		return nil, fmt.Errorf("drift sweep: %s has no branch %s: %w", a.Repo, branch, err)
	}
	tree, err := j.Git.Tree(ctx, a.Repo, head)
	if err != nil {
		return nil, err
	}
	idx, err := planner.NewLoader().Load(tree)
	if err != nil {
		// Nothing can be checked; the job fails visibly with where.
		return nil, plumb.Errorf(plumb.EINVALID, "drift sweep of %s@%.12s: %s: %v", a.Repo, head, planner.ConfigFile, err)
	}
	var specs []string
	type due struct {
		p     plumb.Project
		sched planner.Schedule
		tick  time.Time
	}
	var dues []due
	for _, p := range idx.Projects {
		spec := p.Drift.Schedule
		if spec == "" {
			spec = j.Settings.DriftSchedule
		}
		if !p.Drift.Enabled || spec == "" {
			continue
		}
		if !slices.Contains(specs, spec) {
			specs = append(specs, spec)
		}
		sched, err := planner.ParseSchedule(spec)
		if err != nil {
			log.Error("drift schedule", "project", p.Name, "err", err)
			continue
		}
		tick := sched.Prev(a.At)
		if tick.IsZero() {
			continue
		}
		st, err := j.Store.DriftState(ctx, a.Repo, p.Name)
		if err != nil && plumb.ErrorCode(err) != plumb.ENOTFOUND {
			return specs, err
		}
		if !st.Tick.Before(tick) {
			continue // this tick (or a later one) is handled
		}
		dues = append(dues, due{p, sched, tick})
	}
	for i, d := range dues {
		runAt := d.tick.Add(spread(i, len(dues), d.sched.Interval(d.tick), j.Settings.DriftSpread))
		args, _ := json.Marshal(checkArgs{Repo: a.Repo, CloneURL: a.CloneURL, Commit: head, Ref: branch, Project: d.p.Name, Tick: d.tick})
		dup, err := j.Enqueue(ctx, plumb.Job{Kind: KindDriftCheck, Key: a.Repo + "/" + d.p.Name + "@" + d.tick.UTC().Format(time.RFC3339), Args: args, RunAt: runAt})
		if err != nil {
			return specs, fmt.Errorf("drift sweep: queue the check of %s: %w", d.p.Name, err)
		}
		if !dup {
			log.Info("drift check queued", "project", d.p.Name, "tick", d.tick, "run_at", runAt)
		}
	}
	return specs, nil
}

// spread is the i-th of n checks' delay after their tick: evenly over
// half the schedule's interval, at most max.
func spread(i, n int, interval, maxSpread time.Duration) time.Duration {
	window := min(interval/2, maxSpread)
	if n <= 1 || window <= 0 {
		return 0
	}
	return window * time.Duration(i) / time.Duration(n)
}

// check runs one project's drift check, records it and keeps its issue.
func (j *DriftJob) check(ctx context.Context, a checkArgs) error {
	log := j.logger().With("repo", a.Repo, "project", a.Project, "tick", a.Tick)
	tree, err := j.Git.Tree(ctx, a.Repo, a.Commit)
	if err != nil {
		if err := j.Git.Sync(ctx, a.Repo, a.CloneURL); err != nil {
			return fmt.Errorf("drift check: fetch %s: %w", a.Repo, err)
		}
		if tree, err = j.Git.Tree(ctx, a.Repo, a.Commit); err != nil {
			return err
		}
	}
	idx, err := planner.NewLoader().Load(tree)
	if err != nil {
		return plumb.Errorf(plumb.EINVALID, "drift check of %s: %s at %.12s: %v", a.Project, planner.ConfigFile, a.Commit, err)
	}
	i := slices.IndexFunc(idx.Projects, func(p plumb.Project) bool { return p.Name == a.Project })
	if i < 0 {
		log.Info("drift check: the project is gone from the default branch; nothing to check")
		return nil
	}
	t := runner.Target{Repo: a.Repo, Commit: a.Commit, Tree: tree, Project: idx.Projects[i], Trigger: "drift"}
	run, err := j.Runner.Drift(ctx, t, nil)
	if err != nil {
		log.Warn("drift check failed", "run", run.ID, "err", err)
	}
	state, _, err := RecordDrift(ctx, j.Store, run, j.now())
	if err != nil {
		return err
	}
	state.Tick = a.Tick
	if run.Drift == nil { // skipped: the tick is handled, the state unchanged
		log.Info("drift check skipped", "why", run.Error)
		if state.Repo == "" {
			state.Repo, state.Project, state.Dir, state.Workspace = a.Repo, a.Project, t.Project.Dir, workspace(t.Project)
		}
		return j.Store.SaveDriftState(ctx, state)
	}
	_, err = j.remediate(ctx, t, state)
	return err
}

// report keeps the project's issue and saves its number with the state.
func (j *DriftJob) report(ctx context.Context, t runner.Target, state plumb.DriftState, remediation string) (plumb.DriftState, error) {
	rep := plumb.DriftReport{Repo: t.Repo, Project: t.Project.Name, State: state, Issue: state.Issue, Remediation: remediation}
	if applies, err := j.Store.Runs(ctx, plumb.RunFilter{Repo: t.Repo, Project: t.Project.Name, Kind: plumb.RunApply, Status: plumb.RunApplied, Limit: 1}); err == nil && len(applies) > 0 {
		rep.LastApply = applies[0]
	}
	n, err := j.Forge.ReportDrift(ctx, rep)
	if err != nil {
		// The check is kept; the job fails, so the queue retries it and the
		// issue is brought up to date then.
		return state, errors.Join(fmt.Errorf("drift issue of %s: %w", t.Project.Name, err), j.Store.SaveDriftState(ctx, state))
	}
	state.Issue = n
	return state, j.Store.SaveDriftState(ctx, state)
}
