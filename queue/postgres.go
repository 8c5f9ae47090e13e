package queue

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

//go:embed postgres/migrations/*.sql
var pgFiles embed.FS

// pgMigrations are the queue's own migrations on PostgreSQL.
var pgMigrations, _ = fs.Sub(pgFiles, "postgres")

var postgresSQL = dialect{
	failRunning: `UPDATE plumb_events SET status = $1, error = $2 WHERE status = 'running'
		AND delivery IN (SELECT args->>'delivery' FROM river_job WHERE state = 'running' AND attempt >= max_attempts)`,
	requeueRunning: `UPDATE plumb_events SET status = $1, error = $2 WHERE status = 'running'
		AND delivery IN (SELECT args->>'delivery' FROM river_job WHERE state = 'running' AND attempt < max_attempts)`,
	discardRunning: `UPDATE river_job SET state = 'discarded', finalized_at = now()
		WHERE state = 'running' AND attempt >= max_attempts`,
	releaseRunning: `UPDATE river_job SET state = 'available', scheduled_at = now()
		WHERE state = 'running'`,
	jobCounts: `SELECT state::text, COUNT(*) FROM river_job GROUP BY state`,
	repos: `SELECT DISTINCT ON (repo) repo, event::jsonb->>'clone_url', event::jsonb->>'default_branch'
		FROM plumb_events WHERE repo != '' ORDER BY repo, received_at DESC`,
	wake: `UPDATE river_job SET scheduled_at = now(), state = 'available'
		WHERE state = 'scheduled' AND kind = 'plumb_event' AND args->>'delivery' IN
			(SELECT delivery FROM plumb_events WHERE repo = $1 AND pr = $2 AND status = $3)`,
}

// pgBackend is River's riverpgxv5 driver on the store's pool; plumb's own
// statements outside River's transactions go through database/sql on the
// same pool.
type pgBackend struct {
	pool   *pgxpool.Pool
	db     *sql.DB
	driver *riverpgxv5.Driver
	river  *river.Client[pgx.Tx]
}

func newPostgres(pool *pgxpool.Pool) *pgBackend {
	return &pgBackend{pool: pool, db: stdlib.OpenDBFromPool(pool), driver: riverpgxv5.New(pool)}
}

// migrationsLock names the advisory lock replicas starting together take
// turns on: River's migrator takes none, and two creating the same table
// at once fail.
const migrationsLock = 0x706c756d62_7175 // "plumb" "qu"

func (b *pgBackend) migrate(ctx context.Context, log *slog.Logger) error {
	conn, err := b.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("queue: migrate: %w", err)
	}
	// Closing the session, however migrate ends, releases the lock.
	defer func() {
		conn.Conn().Close(context.WithoutCancel(ctx))
		conn.Release()
	}()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, int64(migrationsLock)); err != nil {
		return fmt.Errorf("queue: migrate: %w", err)
	}
	migrator, err := rivermigrate.New(b.driver, &rivermigrate.Config{Logger: log})
	if err != nil {
		return fmt.Errorf("queue: river migrations: %w", err)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("queue: river migrations: %w", err)
	}
	return migrate(ctx, b.db, pgMigrations)
}

func (b *pgBackend) client(cfg *river.Config) (riverClient, error) {
	c, err := river.NewClient(b.driver, cfg)
	b.river = c
	return c, err
}

func (b *pgBackend) begin(ctx context.Context) (txn, error) {
	tx, err := b.pool.Begin(ctx)
	if err != nil {
		return nil, err
	}
	return &pgTx{tx: tx, b: b}, nil
}

type pgTx struct {
	tx pgx.Tx
	b  *pgBackend
}

func (tx *pgTx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	tag, err := tx.tx.Exec(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return driver.RowsAffected(tag.RowsAffected()), nil
}

// execEach sends every row in one batch: one round trip.
func (tx *pgTx) execEach(ctx context.Context, q string, args [][]any) ([]int64, error) {
	batch := &pgx.Batch{}
	for _, a := range args {
		batch.Queue(q, a...)
	}
	res := tx.tx.SendBatch(ctx, batch)
	defer res.Close()
	out := make([]int64, len(args))
	for i := range args {
		tag, err := res.Exec()
		if err != nil {
			return nil, err
		}
		out[i] = tag.RowsAffected()
	}
	return out, res.Close()
}

func (tx *pgTx) insertJobs(ctx context.Context, jobs []river.InsertManyParams) error {
	_, err := tx.b.river.InsertManyTx(ctx, tx.tx, jobs)
	return err
}

func (tx *pgTx) completeJob(ctx context.Context, job *river.Job[EventArgs]) error {
	_, err := river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx.tx, job)
	return err
}

func (tx *pgTx) commit(ctx context.Context) error   { return tx.tx.Commit(ctx) }
func (tx *pgTx) rollback(ctx context.Context) error { return tx.tx.Rollback(ctx) }
