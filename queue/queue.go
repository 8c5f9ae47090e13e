package queue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/plumbhq/plumb"
)

// Compile-time proof that Queue is the server's sink.
var _ plumb.EventSink = (*Queue)(nil)

// Defaults, sized for Terraform: a plan or apply may run for an hour.
const (
	DefaultJobTimeout        = 2 * time.Hour
	DefaultMaxWorkers        = 2
	DefaultMaxAttempts       = 5
	DefaultConflictSnooze    = 30 * time.Second
	DefaultFetchPollInterval = 500 * time.Millisecond
	// DefaultFetchCooldown is the least time between two fetches. River's
	// 100 ms capped a pool of N workers at 10N cheap jobs a second (drafts,
	// comments that are not commands), so a burst of them held real work
	// back for minutes; the shorter wait costs a fetch query per 10 ms
	// only while jobs keep finishing.
	DefaultFetchCooldown = 10 * time.Millisecond
)

// Config configures a Queue. Zero fields take the defaults above.
type Config struct {
	// DB is the store's SQLite handle (busy_timeout, WAL and immediate
	// transactions already set); the queue shares the file.
	DB *sql.DB
	// Pool, instead of DB, is the store's PostgreSQL pool (store/postgres'
	// DB.Pool); the queue shares the database.
	Pool    *pgxpool.Pool
	Handler plumb.EventHandler
	// Jobs are the handlers of typed jobs (Enqueue), by plumb.Job Kind.
	Jobs map[string]plumb.JobHandler
	// JobWorkers gives kinds of Jobs a worker pool of their own, of the
	// size given, so that slow background work (drift checks) never holds
	// the workers events need. Other kinds share the events' pool.
	JobWorkers map[string]int
	Logger     *slog.Logger

	// MaxWorkers bounds the events handled at once.
	MaxWorkers int
	// JobTimeout cancels a handler running longer than this.
	JobTimeout time.Duration
	// RescueStuckJobsAfter re-queues a job left running this long by a
	// worker that vanished; it must exceed JobTimeout (default: JobTimeout
	// plus 30 minutes) or a live run would be started twice.
	RescueStuckJobsAfter time.Duration
	// MaxAttempts is how often an event is tried before it is marked failed.
	MaxAttempts int
	// ConflictSnooze is how long an event waits when its handler reports
	// ECONFLICT (a lock held by another pull request).
	ConflictSnooze time.Duration
	// FetchPollInterval is how often workers look for new jobs: SQLite has
	// no LISTEN/NOTIFY, so this bounds the delay between accept and work.
	FetchPollInterval time.Duration
	// RecoverRunning makes Start re-queue jobs a killed process left
	// running, at once instead of after RescueStuckJobsAfter. Set it only
	// when this process is the only one working the database (plumb serve
	// on SQLite holds a lock file in the data dir for that): on a database
	// several replicas share it would re-queue their live jobs.
	RecoverRunning bool
	// Redact scrubs secrets from handler errors before they are stored.
	Redact func(string) string
	// Now stamps received and processed times; time.Now when nil.
	Now func() time.Time
}

// Queue is the durable event queue: an EventSink for the server and a
// service (Start/Stop) running the workers.
type Queue struct {
	cfg    Config
	db     *sql.DB // plumb's statements outside River's transactions
	be     backend
	sql    dialect
	client riverClient
	log    *slog.Logger

	batch batcher

	mu      sync.Mutex
	started bool
	here    map[int64]bool // jobs running in this process (rescue.go)
}

// New migrates River's tables and plumb_events in the database (cfg.DB or
// cfg.Pool) and returns a stopped queue. Accept works before Start: events
// wait in the table.
func New(ctx context.Context, cfg Config) (*Queue, error) {
	if cfg.Handler == nil {
		return nil, errors.New("queue: Config needs a Handler")
	}
	cfg = withDefaults(cfg)
	if cfg.RescueStuckJobsAfter <= cfg.JobTimeout {
		return nil, plumb.Errorf(plumb.EINVALID, "queue: RescueStuckJobsAfter (%s) must exceed JobTimeout (%s), or a live run would be rescued and started twice", cfg.RescueStuckJobsAfter, cfg.JobTimeout)
	}
	q := &Queue{cfg: cfg, log: cfg.Logger}
	var err error
	if q.be, q.db, q.sql, err = open(cfg); err != nil {
		return nil, err
	}
	if err := q.be.migrate(ctx, cfg.Logger); err != nil {
		return nil, err
	}
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &worker{q: q}); err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	if err := river.AddWorkerSafely(workers, &jobWorker{q: q}); err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	q.client, err = q.be.client(&river.Config{
		Logger:               cfg.Logger,
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: cfg.RescueStuckJobsAfter,
		MaxAttempts:          cfg.MaxAttempts,
		FetchPollInterval:    cfg.FetchPollInterval,
		FetchCooldown:        min(DefaultFetchCooldown, cfg.FetchPollInterval),
		Queues:               queues(cfg),
		Workers:              workers,
	})
	if err != nil {
		return nil, fmt.Errorf("queue: river client: %w", err)
	}
	return q, nil
}

// Migrate applies River's migrations and the queue's own to the database
// of cfg (DB or Pool), as New does, and returns: `plumb migrate`.
func Migrate(ctx context.Context, cfg Config) error {
	be, _, _, err := open(cfg)
	if err != nil {
		return err
	}
	return be.migrate(ctx, withDefaults(cfg).Logger)
}

// open picks the backend of cfg's database.
func open(cfg Config) (backend, *sql.DB, dialect, error) {
	switch {
	case (cfg.DB == nil) == (cfg.Pool == nil):
		return nil, nil, dialect{}, errors.New("queue: Config needs DB (SQLite) or Pool (PostgreSQL)")
	case cfg.Pool != nil:
		be := newPostgres(cfg.Pool)
		return be, be.db, postgresSQL, nil
	}
	return newSQLite(cfg.DB), cfg.DB, sqliteSQL, nil
}

// queues is River's queue of events and shared jobs, plus one per kind
// in JobWorkers.
func queues(cfg Config) map[string]river.QueueConfig {
	qs := map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.MaxWorkers}}
	for kind, n := range cfg.JobWorkers {
		qs[jobQueue(kind)] = river.QueueConfig{MaxWorkers: max(n, 1)}
	}
	return qs
}

// jobQueue names the River queue of a kind with its own workers.
func jobQueue(kind string) string { return "plumb_" + kind }

func withDefaults(cfg Config) Config {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxWorkers <= 0 {
		cfg.MaxWorkers = DefaultMaxWorkers
	}
	if cfg.JobTimeout <= 0 {
		cfg.JobTimeout = DefaultJobTimeout
	}
	if cfg.RescueStuckJobsAfter <= 0 {
		cfg.RescueStuckJobsAfter = cfg.JobTimeout + 30*time.Minute
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.ConflictSnooze <= 0 {
		cfg.ConflictSnooze = DefaultConflictSnooze
	}
	if cfg.FetchPollInterval <= 0 {
		cfg.FetchPollInterval = DefaultFetchPollInterval
	}
	if cfg.Redact == nil {
		cfg.Redact = func(s string) string { return s }
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return cfg
}

// Start recovers what a killed process left running (with RecoverRunning)
// and starts the workers. They stop when Stop is called or ctx ends.
func (q *Queue) Start(ctx context.Context) error {
	if q.cfg.RecoverRunning {
		if err := q.recoverRunning(ctx); err != nil {
			return err
		}
	}
	if err := q.client.Start(ctx); err != nil {
		return fmt.Errorf("queue: start: %w", err)
	}
	q.mu.Lock()
	q.started = true
	q.mu.Unlock()
	return nil
}

// Stop stops fetching and waits for running handlers to finish. When ctx
// ends first, it cancels them (a handler must then stop its engine) and
// waits briefly for them to return; their jobs are retried after a
// restart.
func (q *Queue) Stop(ctx context.Context) error {
	q.mu.Lock()
	started := q.started
	q.started = false
	q.mu.Unlock()
	if !started {
		return nil
	}
	err := q.client.Stop(ctx)
	if err == nil {
		return nil
	}
	q.log.Warn("queue: drain deadline reached; cancelling running handlers")
	hard, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := q.client.StopAndCancel(hard); err != nil {
		return fmt.Errorf("queue: stop: %w", err)
	}
	return nil
}

// Ready reports whether the database answers and the workers run; /readyz
// uses it.
func (q *Queue) Ready(ctx context.Context) error {
	var n int
	if err := q.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job WHERE id = 0`).Scan(&n); err != nil {
		return fmt.Errorf("queue: database: %w", err)
	}
	q.mu.Lock()
	started := q.started
	q.mu.Unlock()
	if !started {
		return errors.New("queue: workers not running")
	}
	select {
	case <-q.client.Stopped():
		return errors.New("queue: workers stopped")
	default:
	}
	return nil
}

// JobStates are River's job states, every one reported by JobCounts.
var JobStates = []string{"available", "cancelled", "completed", "discarded", "pending", "retryable", "running", "scheduled"}

// JobCounts returns the number of jobs in each state (zeros included), for
// the plumb_queue_jobs gauge.
func (q *Queue) JobCounts(ctx context.Context) (map[string]int, error) {
	counts := make(map[string]int, len(JobStates))
	for _, s := range JobStates {
		counts[s] = 0
	}
	rows, err := q.db.QueryContext(ctx, q.sql.jobCounts)
	if err != nil {
		return nil, fmt.Errorf("queue: job counts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return nil, fmt.Errorf("queue: job counts: %w", err)
		}
		counts[state] = n
	}
	return counts, rows.Err()
}

// recoverRunning puts jobs a dead process left running back in line, so a
// restart resumes them now rather than after RescueStuckJobsAfter. The
// interrupted attempt counts: a job that keeps killing the process ends
// discarded, its event marked failed.
func (q *Queue) recoverRunning(ctx context.Context) error {
	tx, err := q.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("queue: recover: %w", err)
	}
	defer tx.Rollback()
	const interrupted = "interrupted: plumb stopped while handling this event"
	// Only rows still running: a row already failed or waiting had its
	// outcome written before River recorded the job's.
	if _, err := tx.ExecContext(ctx, q.sql.failRunning, StatusFailed, interrupted+"; no attempts left"); err != nil {
		return fmt.Errorf("queue: recover: %w", err)
	}
	if _, err := tx.ExecContext(ctx, q.sql.requeueRunning, StatusQueued, interrupted+"; queued again"); err != nil {
		return fmt.Errorf("queue: recover: %w", err)
	}
	if _, err := tx.ExecContext(ctx, q.sql.discardRunning); err != nil {
		return fmt.Errorf("queue: recover: %w", err)
	}
	res, err := tx.ExecContext(ctx, q.sql.releaseRunning)
	if err != nil {
		return fmt.Errorf("queue: recover: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		q.log.Warn("queue: re-queued events interrupted by a stop", "jobs", n)
	}
	return tx.Commit()
}
