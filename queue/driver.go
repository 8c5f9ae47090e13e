package queue

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
)

// riverClient is what the queue asks of River's client that does not
// depend on the driver's transaction type.
type riverClient interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
	Stopped() <-chan struct{}
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// backend is one database with River's driver for it: SQLite through
// database/sql, or PostgreSQL through pgx.
type backend interface {
	// migrate applies River's migrations and the queue's own.
	migrate(ctx context.Context, log *slog.Logger) error
	// client makes River's client; begin needs it.
	client(cfg *river.Config) (riverClient, error)
	// begin opens a transaction that plumb's statements and River's job
	// writes share.
	begin(ctx context.Context) (txn, error)
}

// txn is one transaction of a backend.
type txn interface {
	execer
	// execEach runs q once per argument list and returns the rows each
	// changed.
	execEach(ctx context.Context, q string, args [][]any) ([]int64, error)
	insertJobs(ctx context.Context, jobs []river.InsertManyParams) error
	// completeJob marks a running event job completed (in a worker).
	completeJob(ctx context.Context, job *river.Job[EventArgs]) error
	commit(ctx context.Context) error
	rollback(ctx context.Context) error
}

// dialect holds the statements whose SQL differs between the databases.
type dialect struct {
	// failRunning and requeueRunning mark the events of jobs left running
	// ($1 status, $2 error) whose attempts are used up, or not.
	failRunning, requeueRunning string
	// discardRunning and releaseRunning end or re-queue those jobs.
	discardRunning, releaseRunning string
	jobCounts                      string
	// repos: repo, clone URL and default branch of each repo's latest event.
	repos string
	// wake: the jobs of events of $1 (repo), $2 (PR) in status $3.
	wake string
}

var sqliteSQL = dialect{
	failRunning: `UPDATE plumb_events SET status = $1, error = $2 WHERE status = 'running'
		AND delivery IN (SELECT json_extract(args, '$.delivery') FROM river_job WHERE state = 'running' AND attempt >= max_attempts)`,
	requeueRunning: `UPDATE plumb_events SET status = $1, error = $2 WHERE status = 'running'
		AND delivery IN (SELECT json_extract(args, '$.delivery') FROM river_job WHERE state = 'running' AND attempt < max_attempts)`,
	discardRunning: `UPDATE river_job SET state = 'discarded', finalized_at = datetime('now', 'subsec')
		WHERE state = 'running' AND attempt >= max_attempts`,
	releaseRunning: `UPDATE river_job SET state = 'available', scheduled_at = datetime('now', 'subsec')
		WHERE state = 'running'`,
	jobCounts: `SELECT state, COUNT(*) FROM river_job GROUP BY state`,
	repos: `SELECT repo, json_extract(event, '$.clone_url'), json_extract(event, '$.default_branch')
		FROM plumb_events e WHERE repo != '' AND received_at = (SELECT max(received_at) FROM plumb_events WHERE repo = e.repo)
		GROUP BY repo ORDER BY repo`,
	wake: `UPDATE river_job SET scheduled_at = datetime('now', 'subsec'), state = 'available'
		WHERE state = 'scheduled' AND kind = 'plumb_event' AND json_extract(args, '$.delivery') IN
			(SELECT delivery FROM plumb_events WHERE repo = $1 AND pr = $2 AND status = $3)`,
}

// sqliteBackend is River's riversqlite driver on the store's *sql.DB.
type sqliteBackend struct {
	db     *sql.DB
	driver *riversqlite.Driver
	river  *river.Client[*sql.Tx]
}

func newSQLite(db *sql.DB) *sqliteBackend {
	return &sqliteBackend{db: db, driver: riversqlite.New(db)}
}

func (b *sqliteBackend) migrate(ctx context.Context, log *slog.Logger) error {
	migrator, err := rivermigrate.New(b.driver, &rivermigrate.Config{Logger: log})
	if err != nil {
		return fmt.Errorf("queue: river migrations: %w", err)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("queue: river migrations: %w", err)
	}
	return migrate(ctx, b.db, migrations)
}

func (b *sqliteBackend) client(cfg *river.Config) (riverClient, error) {
	c, err := river.NewClient(b.driver, cfg)
	b.river = c
	return c, err
}

func (b *sqliteBackend) begin(ctx context.Context) (txn, error) {
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	return &sqliteTx{Tx: tx, b: b}, nil
}

type sqliteTx struct {
	*sql.Tx
	b *sqliteBackend
}

// execEach prepares q once: SQLite would parse it again for every row.
func (tx *sqliteTx) execEach(ctx context.Context, q string, args [][]any) ([]int64, error) {
	stmt, err := tx.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer stmt.Close()
	out := make([]int64, len(args))
	for i, a := range args {
		res, err := stmt.ExecContext(ctx, a...)
		if err != nil {
			return nil, err
		}
		if out[i], err = res.RowsAffected(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (tx *sqliteTx) insertJobs(ctx context.Context, jobs []river.InsertManyParams) error {
	_, err := tx.b.river.InsertManyTx(ctx, tx.Tx, jobs)
	return err
}

func (tx *sqliteTx) completeJob(ctx context.Context, job *river.Job[EventArgs]) error {
	_, err := river.JobCompleteTx[*riversqlite.Driver](ctx, tx.Tx, job)
	return err
}

func (tx *sqliteTx) commit(context.Context) error   { return tx.Commit() }
func (tx *sqliteTx) rollback(context.Context) error { return tx.Rollback() }
