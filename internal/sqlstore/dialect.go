package sqlstore

import (
	"context"
	"database/sql"

	"github.com/plumbhq/plumb"
)

// Dialect is what one database does differently from the other; the
// shared code asks it and otherwise sends both the same SQL.
type Dialect interface {
	// IsPrimaryKey reports a duplicate primary key, IsUnique a duplicate
	// in another unique key, IsForeignKey a missing referenced row.
	// (PostgreSQL reports both duplicates as one unique_violation.)
	IsPrimaryKey(err error) bool
	IsUnique(err error) bool
	IsForeignKey(err error) bool

	// Text makes free text (an engine's output) storable.
	Text(s string) string

	// ReposColumn is the column RunFilter.Repos compares in listings;
	// SQLite writes "+repo" to keep the planner off repo's index.
	ReposColumn() string

	// UpdateRunTail ends UpdateRun's statement after "blocked_by = $25, "
	// (from started_at to the WHERE that fences it by lease owner) and
	// picks its arguments from args, all of RunArgs.
	UpdateRunTail(args []any) (string, []any)

	// LatestRuns is the query of LatestRuns, selecting cols, and its
	// arguments.
	LatestRuns(f plumb.RunFilter, cols string) (string, []any)

	// LockRun makes appends to one run's log take turns, in every
	// process, until tx ends; InsertLog then stores lines as seq
	// next+1… (ENOTFOUND follows from sql.ErrNoRows or a foreign key).
	LockRun(ctx context.Context, tx *sql.Tx, runID string) error
	InsertLog(ctx context.Context, tx *sql.Tx, runID string, next int, lines []string) error

	// LockKey makes everyone taking or waiting for k, in any process,
	// take turns until tx ends.
	LockKey(ctx context.Context, tx *sql.Tx, k plumb.LockKey) error
}
