package queue

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/internal/sqlmigrate"
)

// Statuses of a stored event.
const (
	StatusQueued    = "queued"    // accepted, waiting for a worker
	StatusRunning   = "running"   // a handler has it
	StatusWaiting   = "waiting"   // ECONFLICT: tried again after ConflictSnooze
	StatusRetrying  = "retrying"  // failed, tried again with backoff
	StatusProcessed = "processed" // handled
	StatusFailed    = "failed"    // given up; error says why
)

// Record is one stored event with its processing state.
type Record struct {
	Event       plumb.Event
	Status      string
	Attempts    int
	Error       string
	ProcessedAt time.Time
}

//go:embed migrations/*.sql
var migrations embed.FS

// migrate applies the queue's own migrations (files: migrations/*.sql),
// tracked apart from the store's so neither package needs to know the
// other's versions.
func migrate(ctx context.Context, db *sql.DB, files fs.FS) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("queue: migrate: %w", err)
	}
	defer tx.Rollback()
	if err := sqlmigrate.Apply(ctx, tx, "plumb_queue_migrations", files, time.Now()); err != nil {
		return fmt.Errorf("queue: %w", err)
	}
	return tx.Commit()
}

// Event returns the stored event with its processing state.
//
// Errors: ENOTFOUND when no event has that delivery ID.
func (q *Queue) Event(ctx context.Context, delivery string) (Record, error) {
	var r Record
	var evJSON string
	var processed sql.NullString
	err := q.db.QueryRowContext(ctx, `SELECT event, status, attempts, error, processed_at FROM plumb_events WHERE delivery = $1`, delivery).
		Scan(&evJSON, &r.Status, &r.Attempts, &r.Error, &processed)
	if errors.Is(err, sql.ErrNoRows) {
		return Record{}, plumb.Errorf(plumb.ENOTFOUND, "event %q not found", delivery)
	}
	if err != nil {
		return Record{}, fmt.Errorf("queue: event %s: %w", delivery, err)
	}
	if err := json.Unmarshal([]byte(evJSON), &r.Event); err != nil {
		return Record{}, fmt.Errorf("queue: event %s: stored event: %w", delivery, err)
	}
	if processed.Valid {
		if r.ProcessedAt, err = time.Parse(time.RFC3339Nano, processed.String); err != nil {
			return Record{}, fmt.Errorf("queue: event %s: processed_at: %w", delivery, err)
		}
	}
	return r, nil
}

// setStatus records an event's progress. It runs on a context of its own:
// the outcome of a handler cut short by its timeout must still be written.
func (q *Queue) setStatus(ctx context.Context, exec execer, delivery, status, msg string, attempt int) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	var processed sql.NullString
	if status == StatusProcessed {
		processed = sql.NullString{String: formatTime(q.cfg.Now()), Valid: true}
	}
	_, err := exec.ExecContext(ctx, `UPDATE plumb_events SET status = $1, error = $2, attempts = $3, processed_at = $4 WHERE delivery = $5`,
		status, q.cfg.Redact(msg), attempt, processed, delivery)
	if err != nil {
		return fmt.Errorf("queue: event %s: set %s: %w", delivery, status, err)
	}
	return nil
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// timeLayout matches the store's: fixed nine-digit fraction, so stored times
// sort as text.
const timeLayout = "2006-01-02T15:04:05.000000000Z07:00"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }
