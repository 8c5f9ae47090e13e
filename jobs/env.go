package jobs

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"time"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/planner"
	"github.com/plumbhq/plumb/runner"
)

// Git gives jobs the commits of a repository, fetched from the forge.
// cmd/plumb implements it with vcs.
type Git interface {
	// Sync fetches repo from cloneURL so its branches' commits are present.
	Sync(ctx context.Context, repo, cloneURL string) error
	Tree(ctx context.Context, repo, sha string) (fs.FS, error)
	Changed(ctx context.Context, repo, base, head string) ([]planner.FileChange, error)
	MergeBase(ctx context.Context, repo, a, b string) (string, error)
	// Resolve is the commit a ref (a branch, refs/heads/main) names.
	Resolve(ctx context.Context, repo, ref string) (string, error)
}

// Env is what every job uses: the runner, the store, the forge and git,
// and the server's settings.
type Env struct {
	Runner   *runner.Runner
	Store    plumb.Store
	Forge    plumb.Forge
	Git      Git
	Logger   *slog.Logger
	Settings Settings
	Now      func() time.Time
	// Wake, if set, tells the queue that pull request pr of repo may stop
	// waiting for a lock: one it waits for was released.
	Wake func(ctx context.Context, repo string, pr int) error
	// Enqueue stores a follow-up job (the drift sweep's checks) for the
	// queue; a job with the same kind and key is stored once.
	Enqueue func(ctx context.Context, j plumb.Job) (duplicate bool, err error)
}

// Settings are the server's rules for jobs; cmd/plumb fills them from
// its configuration.
type Settings struct {
	// PlanDrafts plans draft pull requests too.
	PlanDrafts bool
	// AllowForks plans pull requests from forks: their code runs on this
	// machine with its credentials, so it is off unless asked for. Fork
	// pull requests are never applied.
	AllowForks bool
	// Workflows a project may name; a plumb.yaml on a branch cannot add one.
	Workflows []string
	// ApplyBeforeMerge lets `plumb apply` comments apply an open pull
	// request (after its apply requirements); off, applies happen on merge.
	ApplyBeforeMerge bool
	// Appliers narrows who may comment `plumb apply` beyond write
	// permission: logins and "org/team" slugs. Empty: anyone with write.
	Appliers []string
	// LockRetry is how often a change blocked by a lock tries again (the
	// queue's snooze); a waiter that stops trying drops out of line after
	// a few of these.
	LockRetry time.Duration
	// LockMaxAge flags locks held longer than this in comments and metrics
	// (0: never). They are never broken.
	LockMaxAge time.Duration
	// DriftSchedule is the drift schedule of every project without its
	// own drift.schedule; empty: only projects with their own are swept.
	DriftSchedule string
	// DriftSpread bounds how far a tick's checks are spread out: over
	// half the schedule's interval, at most this (0: all at the tick).
	DriftSpread time.Duration
	// PolicySets are the server's compiled policy sets: every plan of a
	// pull request or a push is checked against those that apply.
	PolicySets []PolicySet
	// PolicyFromBranch also checks plans against the policies of
	// plumb.yaml at the planned commit, which a branch's author can
	// change: off, they are ignored (with a note on the pull request).
	PolicyFromBranch bool
	// PolicyApprovers narrows who may comment `plumb approve_policies`
	// beyond write permission: logins and "org/team" slugs. Empty: anyone
	// with write. Never the pull request's author.
	PolicyApprovers []string
}

// PolicySet is one of the server's compiled policy sets and the projects
// it checks. Set.Applies is left to policyFor, which knows the projects of
// a change: a run names its project only.
type PolicySet struct {
	Set     runner.PolicySet
	Applies func(plumb.Project) bool // nil: every project
}

func (e *Env) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

func (e *Env) logger() *slog.Logger {
	if e.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return e.Logger
}

// prTrigger is the run trigger and lock owner of pull request n.
func prTrigger(n int) string { return fmt.Sprintf("PR #%d", n) }

// change fetches repo and computes what the commits between base's merge
// base with head and head affect, with head's tree.
func (e *Env) change(ctx context.Context, repo, cloneURL, base, head string) (plumb.Change, fs.FS, error) {
	if err := e.Git.Sync(ctx, repo, cloneURL); err != nil {
		return plumb.Change{}, nil, fmt.Errorf("fetch %s: %w", repo, err)
	}
	mb, err := e.Git.MergeBase(ctx, repo, base, head)
	if err != nil {
		return plumb.Change{}, nil, err
	}
	baseTree, err := e.Git.Tree(ctx, repo, mb)
	if err != nil {
		return plumb.Change{}, nil, err
	}
	headTree, err := e.Git.Tree(ctx, repo, head)
	if err != nil {
		return plumb.Change{}, nil, err
	}
	files, err := e.Git.Changed(ctx, repo, mb, head)
	if err != nil {
		return plumb.Change{}, nil, err
	}
	ch, _, err := planner.NewLoader().ChangeBetween(baseTree, headTree, files)
	ch.Base, ch.Head = mb, head
	return ch, headTree, err
}

// status sets one commit status; a failure is logged, not fatal: the
// comment carries the same news.
func (e *Env) status(ctx context.Context, repo, sha, context, state, desc string) {
	s := plumb.CommitStatus{Context: context, State: state, Description: desc}
	if err := e.Forge.SetStatus(ctx, repo, sha, s); err != nil {
		e.logger().Warn("set status", "repo", repo, "context", context, "err", err)
	}
}

// waitInLine records that owner waits for the lock holder has on t, and
// fills the report's lock fields: who holds it, for how long, and this
// change's place in line.
func (e *Env) waitInLine(ctx context.Context, t runner.Target, holder plumb.Lock, rep *plumb.ProjectReport) {
	rep.LockedBy = holder.Owner
	if !holder.AcquiredAt.IsZero() {
		rep.LockAge = e.now().Sub(holder.AcquiredAt).Round(time.Second)
		rep.LockStale = e.Settings.LockMaxAge > 0 && rep.LockAge > e.Settings.LockMaxAge
	}
	retry := e.Settings.LockRetry
	if retry <= 0 {
		retry = 30 * time.Second
	}
	place, err := e.Store.WaitForLock(ctx, plumb.LockWaiter{
		Key: t.LockKey(), Project: t.Project.Name,
		Owner: t.Trigger, Since: e.now().UTC(), Expires: e.now().UTC().Add(4*retry + time.Minute),
	})
	if err != nil {
		e.logger().Warn("wait in line for a lock", "project", t.Project.Name, "err", err)
		return
	}
	rep.LockPlace = place
}

// Released is released for a lock freed outside the jobs (the
// dashboard's release).
func (e *Env) Released(ctx context.Context, key plumb.LockKey) { e.released(ctx, key) }

// released wakes the first in line for key, now that it is free, so it
// does not wait out the rest of its retry interval.
func (e *Env) released(ctx context.Context, key plumb.LockKey) {
	if e.Wake == nil {
		return
	}
	waiters, err := e.Store.LockWaiters(ctx)
	if err != nil {
		e.logger().Warn("list lock waiters", "err", err)
		return
	}
	for _, w := range waiters {
		var pr int
		if w.Key != key {
			continue
		}
		if _, err := fmt.Sscanf(w.Owner, "PR #%d", &pr); err == nil {
			if err := e.Wake(ctx, key.Repo, pr); err != nil {
				e.logger().Warn("wake lock waiter", "owner", w.Owner, "err", err)
			}
		}
		return // the first in line takes it; the others still wait
	}
}

func workspace(p plumb.Project) string {
	if p.Workspace == "" {
		return plumb.DefaultWorkspace
	}
	return p.Workspace
}

// index is a project's place in a change's apply order.
func index(ch plumb.Change, name string) int {
	for i, a := range ch.Projects {
		if a.Project.Name == name {
			return i
		}
	}
	return len(ch.Projects)
}
