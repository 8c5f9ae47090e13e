package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"sync"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/jobs"
	"github.com/plumbhq/plumb/queue"
	"github.com/plumbhq/plumb/runner"
	"github.com/plumbhq/plumb/server"
	"github.com/plumbhq/plumb/vcs"
)

// jobsEnv builds what the queue workers' jobs use, reporting to GitHub;
// nil without GitHub credentials: every event is then recorded as failed
// with the reason (unhandled), never dropped, and no drift is swept.
func (m *Main) jobsEnv(ctx context.Context, c serveConfig, st plumb.Store, dir string, metrics *server.Metrics,
	wake func(ctx context.Context, repo string, pr int) error, enqueue func(ctx context.Context, j plumb.Job) (bool, error)) (*jobs.Env, error) {
	if !c.GitHub.configured() {
		m.Logger.Warn("no GitHub credentials (--github-token or --github-app-id): deliveries are stored but not planned, and drift is not swept")
		return nil, nil
	}
	gc := c.GitHub.config(c.GitHubURL)
	gc.Redactor, gc.Logger = m.Redactor, m.Logger
	forge, err := vcs.NewGitHub(gc)
	if err != nil {
		return nil, err
	}
	stateURL, stateS3 := m.Artifacts.state()
	r, err := runner.New(runner.Config{
		DataDir: dir, Store: st, Artifacts: c.artifacts, Engines: m.findEngines(ctx, dir), Fetcher: m.engineFetcher(dir),
		Env: m.Environ(), Credentials: m.plumbCredentials(append(c.GitHub.secrets(), c.WebhookSecret)...),
		Redactor: m.Redactor, Logger: m.Logger, Workers: c.Parallelism,
		Finished: func(run *plumb.Run) { metrics.RunFinished(string(run.Kind), string(run.Status), run.Duration()) },
		LeaseTTL: c.RunLease, LeaseRenew: c.RunLease / 4, StateURL: stateURL, StateS3: stateS3,
	})
	if err != nil {
		return nil, err
	}
	// On SQLite the data dir lock is held: every unfinished run belongs to
	// a dead process (the queue re-queues its jobs). On a shared database,
	// KeepLeases recovers those whose lease expired, from its start, and
	// hands their jobs to the queue (RescueJobsWith).
	if m.DatabaseURL == "" {
		if n, err := r.RecoverInterrupted(ctx, true); err != nil {
			return nil, err
		} else if n > 0 {
			m.Logger.Warn("runs interrupted by the last stop marked failed; their events are retried", "runs", n)
		}
	}
	return &jobs.Env{
		Runner: r, Store: st, Forge: forge, Logger: m.Logger, Wake: wake, Enqueue: enqueue,
		Git: gitSource{&vcs.Mirrors{Dir: filepath.Join(dir, "repos"), Credentials: forge.GitCredentials}},
		Settings: jobs.Settings{
			PlanDrafts: c.PlanDrafts, AllowForks: c.AllowForks, ApplyBeforeMerge: c.ApplyBeforeMerge,
			Appliers: c.Appliers, LockRetry: c.LockRetry, LockMaxAge: c.LockMaxAge,
			DriftSchedule: c.DriftSchedule, DriftSpread: c.DriftSpread,
			PolicySets: c.policySets, PolicyFromBranch: c.PolicyFromBranch, PolicyApprovers: c.PolicyApprovers,
		},
	}, nil
}

// driftRepos lists the repositories the drift sweep covers: every one
// plumb has had an event for, and those of --drift-repos, read from the
// GitHub API (once each, then kept).
func driftRepos(q *queue.Queue, forge plumb.Forge, named []string, log *slog.Logger) func(ctx context.Context) ([]plumb.Repository, error) {
	var mu sync.Mutex
	known := map[string]plumb.Repository{}
	return func(ctx context.Context) ([]plumb.Repository, error) {
		seen, err := q.Repos(ctx)
		if err != nil {
			return nil, err
		}
		have := map[string]bool{}
		for _, r := range seen {
			have[r.FullName] = true
		}
		mu.Lock()
		defer mu.Unlock()
		for _, name := range named {
			if have[name] {
				continue
			}
			r, ok := known[name]
			if !ok {
				if r, err = forge.Repository(ctx, name); err != nil {
					log.Error("drift: --drift-repos: cannot read the repository; it is not swept until it can be", "repo", name, "err", err)
					continue
				}
				known[name] = r
			}
			seen = append(seen, r)
		}
		return seen, nil
	}
}

type unhandled struct{ reason string }

func (u unhandled) HandleEvent(_ context.Context, ev plumb.Event) error {
	return plumb.Errorf(plumb.EINVALID, "%s delivery %s not handled: %s", ev.Kind, ev.Delivery, u.reason)
}
