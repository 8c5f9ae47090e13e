package main

import (
	"context"
	"path/filepath"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/jobs"
	"github.com/plumbhq/plumb/runner"
	"github.com/plumbhq/plumb/server"
	"github.com/plumbhq/plumb/vcs"
)

// eventHandler builds what the queue workers call: the jobs, reporting to
// GitHub. Without GitHub credentials every event is recorded
// as failed with the reason, never dropped.
func (m *Main) eventHandler(ctx context.Context, c serveConfig, st plumb.Store, dir string, metrics *server.Metrics,
	wake func(ctx context.Context, repo string, pr int) error) (plumb.EventHandler, error) {
	if c.GitHubToken == "" {
		m.Logger.Warn("no GitHub token (--github-token or PLUMB_GITHUB_TOKEN): deliveries are stored but not planned")
		return unhandled{reason: "no GitHub token configured: set --github-token or PLUMB_GITHUB_TOKEN and redeliver"}, nil
	}
	forge, err := vcs.NewGitHub(vcs.GitHubConfig{BaseURL: c.GitHubURL, Token: c.GitHubToken, Redactor: m.Redactor, Logger: m.Logger})
	if err != nil {
		return nil, err
	}
	r, err := runner.New(runner.Config{
		DataDir: dir, Store: st, Engines: m.findEngines(ctx, dir), Fetcher: m.engineFetcher(dir),
		Env: m.Environ(), Credentials: m.plumbCredentials(c.GitHubToken, c.WebhookSecret),
		Redactor: m.Redactor, Logger: m.Logger, Workers: c.Parallelism,
		Finished: func(run *plumb.Run) { metrics.RunFinished(string(run.Kind), string(run.Status), run.Duration()) },
	})
	if err != nil {
		return nil, err
	}
	// The data dir lock is held: runs still "running" belong to a dead process.
	if n, err := r.RecoverInterrupted(ctx); err != nil {
		return nil, err
	} else if n > 0 {
		m.Logger.Warn("runs interrupted by the last stop marked failed; their events are retried", "runs", n)
	}
	return jobs.New(&jobs.Env{
		Runner: r, Store: st, Forge: forge, Logger: m.Logger, Wake: wake,
		Git: gitSource{&vcs.Mirrors{Dir: filepath.Join(dir, "repos"), Credentials: forge.GitCredentials}},
		Settings: jobs.Settings{
			PlanDrafts: c.PlanDrafts, AllowForks: c.AllowForks, ApplyBeforeMerge: c.ApplyBeforeMerge,
			Appliers: c.Appliers, LockRetry: c.LockRetry, LockMaxAge: c.LockMaxAge,
		},
	}), nil
}

type unhandled struct{ reason string }

func (u unhandled) HandleEvent(_ context.Context, ev plumb.Event) error {
	return plumb.Errorf(plumb.EINVALID, "%s delivery %s not handled: %s", ev.Kind, ev.Delivery, u.reason)
}
