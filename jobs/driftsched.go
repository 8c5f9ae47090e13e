package jobs

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"time"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/planner"
)

// DriftScheduler starts drift sweeps: at start, one sweep of every
// repository (which catches up ticks missed while no plumb was up), then
// one each time a schedule a repository's projects use has a tick. The
// sweeps are queue jobs keyed by repository and tick, so each runs once.
type DriftScheduler struct {
	Env *Env
	// Repos lists the repositories to sweep: those plumb has had events
	// for and those the server names (--drift-repos).
	Repos func(ctx context.Context) ([]plumb.Repository, error)

	mu    sync.Mutex
	specs map[string][]string // by repo: the schedules its projects use
}

// Learn records the schedules a sweep found in repo.
func (s *DriftScheduler) Learn(repo string, specs []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.specs == nil {
		s.specs = map[string][]string{}
	}
	s.specs[repo] = specs
}

// Run sweeps until ctx ends, waking at each minute (cron's resolution).
func (s *DriftScheduler) Run(ctx context.Context) {
	log := s.Env.logger()
	last := time.Time{} // zero: the start's catch-up sweep
	for {
		now := s.Env.now()
		if err := s.tick(ctx, last, now); err != nil && ctx.Err() == nil {
			log.Error("drift scheduler", "err", err)
		}
		last = now
		next := now.Truncate(time.Minute).Add(time.Minute)
		select {
		case <-ctx.Done():
			return
		case <-time.After(next.Sub(now)):
		}
	}
}

// tick queues a sweep of each repository with a tick in (last, now], or
// of every repository when last is zero.
func (s *DriftScheduler) tick(ctx context.Context, last, now time.Time) error {
	repos, err := s.Repos(ctx)
	if err != nil {
		return err
	}
	for _, r := range repos {
		at, ok := s.due(r.FullName, last, now)
		if !ok {
			continue
		}
		args, _ := json.Marshal(SweepArgs{Repo: r.FullName, CloneURL: r.CloneURL, DefaultBranch: r.DefaultBranch, At: at})
		key := r.FullName + "@" + at.UTC().Format(time.RFC3339)
		if last.IsZero() {
			key += "/start"
		}
		if _, err := s.Env.Enqueue(ctx, plumb.Job{Kind: KindDriftSweep, Key: key, Args: args}); err != nil {
			return err
		}
	}
	return nil
}

// due says whether repo has a tick in (last, now] and which time its
// sweep handles; at start (last zero) every repository is due at now, and
// so is one no sweep has seen yet.
func (s *DriftScheduler) due(repo string, last, now time.Time) (time.Time, bool) {
	if last.IsZero() {
		return now.Truncate(time.Second), true
	}
	s.mu.Lock()
	specs, known := s.specs[repo]
	specs = slices.Clone(specs)
	s.mu.Unlock()
	if !known { // a repository first seen since the start: sweep it now
		return now.Truncate(time.Second), true
	}
	if d := s.Env.Settings.DriftSchedule; d != "" && !slices.Contains(specs, d) {
		specs = append(specs, d)
	}
	var latest time.Time
	for _, spec := range specs {
		sched, err := planner.ParseSchedule(spec)
		if err != nil {
			continue
		}
		if t := sched.Prev(now); t.After(last) && t.After(latest) {
			latest = t
		}
	}
	return latest, !latest.IsZero()
}
