package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/jobs"
	"github.com/plumbhq/plumb/queue"
	"github.com/plumbhq/plumb/server"
	"github.com/plumbhq/plumb/vcs"
)

// serveDataDir is serve's data dir when --data-dir is not given: a server
// has no repository to put .plumb/ in.
const serveDataDir = ".plumb-server"

func (m *Main) serveCmd() *cobra.Command {
	var c serveConfig
	cmd := &cobra.Command{
		Use:   "serve [--config FILE] [--listen ADDR] [--webhook-secret S]",
		Short: "Run the webhook server and the queue workers until SIGTERM",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if c.File != "" {
				if err := m.loadFile(cmd, c.File); err != nil {
					return err
				}
				// The file may name log settings and secret variables.
				m.learnSecrets()
				if err := m.setupLogger(); err != nil {
					return err
				}
			}
			m.Redactor.Add(c.WebhookSecret)
			m.Redactor.Add(c.GitHub.Token)
			if err := c.validate(); err != nil {
				return err
			}
			m.Redactor.Add(c.GitHub.secrets()...)
			if err := c.loadPolicy(); err != nil {
				return err
			}
			return m.serve(cmd.Context(), c)
		},
	}
	c.flags(cmd.Flags())
	return cmd
}

// serve runs until ctx ends (SIGTERM), then drains: the listener closes,
// requests in flight finish, running jobs get DrainTimeout to finish before
// they are cancelled (and retried after a restart).
func (m *Main) serve(ctx context.Context, c serveConfig) error {
	log := m.Logger
	dir := m.DataDir
	if dir == "" {
		dir = serveDataDir
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return plumb.Errorf(plumb.EINVALID, "data dir %s: %w", dir, err)
	}
	unlock, err := lockDataDir(dir)
	if err != nil {
		return err
	}
	defer unlock()
	db, shareDB, err := m.openDatabase(ctx, dir)
	if err != nil {
		return err
	}
	defer db.Close()
	if c.artifacts, err = m.openArtifacts(ctx, false); err != nil {
		return err
	} else if err := ready(ctx, c.artifacts); err != nil {
		log.Warn("artifacts not usable: /readyz fails until they are", "err", err)
	}
	checks, closeState, err := m.readyChecks(ctx, c.artifacts)
	if err != nil {
		return err
	}
	defer closeState()

	// The queue is read at scrape time; the runner reports runs as they end.
	var q *queue.Queue
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := server.NewMetrics(server.MetricsConfig{
		Registry:    reg,
		QueueJobs:   func(ctx context.Context) (map[string]int, error) { return q.JobCounts(ctx) },
		DriftStates: func(ctx context.Context) ([]plumb.DriftState, error) { return db.DriftStates(ctx, "") },
		Locks: func(ctx context.Context) (server.LockStats, error) {
			locks, err := db.Locks(ctx)
			if err != nil {
				return server.LockStats{}, err
			}
			waiters, err := db.LockWaiters(ctx)
			st := server.LockStats{Held: len(locks), Waiting: len(waiters)}
			if len(locks) > 0 { // oldest first
				st.OldestAge = time.Since(locks[0].AcquiredAt)
			}
			return st, err
		},
		Logger: log,
	})
	// Released locks wake the changes waiting for them.
	wake := func(ctx context.Context, repo string, pr int) error { return q.Wake(ctx, repo, pr) }
	enqueue := func(ctx context.Context, j plumb.Job) (bool, error) { return q.Enqueue(ctx, j) }
	env, err := m.jobsEnv(ctx, c, db, dir, metrics, wake, enqueue)
	if err != nil {
		return err
	}
	var handle plumb.EventHandler = unhandled{reason: "no GitHub credentials configured: set --github-token (PLUMB_GITHUB_TOKEN) or a GitHub App (--github-app-id) and redeliver"}
	var sched *jobs.DriftScheduler
	typed := map[string]plumb.JobHandler{}
	if env != nil {
		handle = jobs.New(env)
		sched = &jobs.DriftScheduler{Env: env}
		drift := &jobs.DriftJob{Env: env, Learn: sched.Learn}
		typed[jobs.KindDriftSweep], typed[jobs.KindDriftCheck] = drift, drift
	}
	q, err = queue.New(ctx, shareDB(queue.Config{
		Handler:              handle,
		Jobs:                 typed,
		JobWorkers:           map[string]int{jobs.KindDriftCheck: c.DriftWorkers},
		Logger:               log,
		MaxWorkers:           c.Workers,
		JobTimeout:           c.JobTimeout,
		RescueStuckJobsAfter: c.JobRescueAfter,
		ConflictSnooze:       c.LockRetry,
		Redact:               m.Redactor.String,
	}))
	if err != nil {
		return err
	}
	if env != nil && m.DatabaseURL != "" {
		env.Runner.RescueJobsWith(q.Rescue) // a dead replica's jobs, once its runs are recovered
	}
	var repos func(context.Context) ([]plumb.Repository, error)
	if sched != nil {
		sched.Repos = driftRepos(q, env.Forge, c.DriftRepos, log)
		repos = sched.Repos
	}
	dash, err := m.dashboard(c, db, dir, env, repos)
	if err != nil {
		return err
	}
	handler, err := server.New(server.Config{
		Parser:      &vcs.Webhooks{Secret: []byte(c.WebhookSecret), Insecure: c.InsecureVerify},
		Sink:        q,
		ReadyChecks: append([]server.ReadyCheck{{Name: "store", Check: db.Ping}, {Name: "queue", Check: q.Ready}}, checks...),
		Metrics:     metrics,
		Logger:      log,
		MaxBody:     c.MaxBody,
		// "*" (the default) allows every repository: a valid signature
		// already proves the sender.
		RepoAllowlist: c.RepoAllowlist,
		Dashboard:     dash,
		MetricsAuth:   c.Dash.MetricsAuth,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", c.Listen)
	if err != nil {
		return plumb.Errorf(plumb.EINVALID, "serve: listen %s: %w", c.Listen, err)
	}
	if c.InsecureVerify {
		log.Warn("webhook signatures are not verified (--insecure-skip-webhook-verify)")
	}
	if err := q.Start(context.WithoutCancel(ctx)); err != nil {
		ln.Close()
		return err
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute, // a 25 MiB body on a slow link
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("plumb serve listening", "addr", ln.Addr().String(), "data_dir", dir)

	// gctx also ends when Serve fails, so a dead listener drains too.
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve: %w", err)
		}
		return nil
	})
	if sched != nil {
		// Sweeps are queue jobs: stopping the scheduler loses nothing.
		g.Go(func() error { sched.Run(gctx); return nil })
	}
	// Leases are renewed, and dead replicas' runs recovered, until the
	// last job has drained.
	leases, stopLeases := context.WithCancel(context.WithoutCancel(ctx))
	defer stopLeases()
	if env != nil {
		go env.Runner.KeepLeases(leases, true)
	}
	<-gctx.Done()
	log.Info("draining", "timeout", c.DrainTimeout)
	drain, cancel := context.WithTimeout(context.Background(), c.DrainTimeout)
	defer cancel()
	// Stop taking deliveries first: an answered 202 is already stored.
	httpErr := srv.Shutdown(drain)
	if httpErr != nil {
		srv.Close()
	}
	qErr := q.Stop(drain)
	stopLeases()
	err = errors.Join(g.Wait(), httpErr, qErr)
	if err != nil {
		return err
	}
	log.Info("stopped")
	return nil
}

// lockDataDir takes an exclusive lock on the data dir for this process, so
// a second plumb serve on it fails at once and the queue may treat jobs
// left running as orphans of a dead process.
func lockDataDir(dir string) (unlock func(), err error) {
	path := filepath.Join(dir, "serve.lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, plumb.Errorf(plumb.EINVALID, "data dir %s: %w", dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, plumb.Errorf(plumb.ECONFLICT, "data dir %s is in use by another plumb serve (%s is locked)", dir, path)
	}
	// The kernel drops the lock when the process dies, kill -9 included.
	return func() { f.Close() }, nil
}
