package postgres

import (
	"context"
	"database/sql"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/internal/sqlstore"
)

// dialect is PostgreSQL's side of the shared SQL. Its transactions are
// READ COMMITTED, so what must take turns across replicas (a run's log, a
// lock key) locks a row or an advisory lock first.
type dialect struct{}

// PostgreSQL reports a duplicate primary key as a unique_violation.
func (dialect) IsPrimaryKey(err error) bool { return isCode(err, errUnique) }
func (dialect) IsUnique(err error) bool     { return isCode(err, errUnique) }
func (dialect) IsForeignKey(err error) bool { return isCode(err, errForeignKey) }

func (dialect) Text(s string) string { return text(s) }

func (dialect) ReposColumn() string { return "repo" }

// UpdateRunTail leaves out created_at ($26) and numbers the rest after
// it: PostgreSQL cannot type a parameter the statement never uses. The
// lease's owner fences it.
func (dialect) UpdateRunTail(args []any) (string, []any) {
	return "started_at = $26, finished_at = $27, plan_id = $28, differences = $29, drift = $30\n\t\t" +
		"WHERE id = $1 AND lease_owner = $31", append(args[:25:25], args[26:32]...)
}

func (d dialect) LatestRuns(f plumb.RunFilter, cols string) (string, []any) {
	w := sqlstore.RunWhere(f, d.ReposColumn())
	// DISTINCT ON keeps the first row of each group in the ORDER BY: the
	// newest, ties broken by ID as Runs does.
	q := `SELECT DISTINCT ON (repo, project) ` + cols + ` FROM plumb_runs` + w.String() +
		` ORDER BY repo, project, created_at DESC, id DESC`
	return q, w.Args
}

// LockRun locks the run's row, so appends to one log take turns in every
// process: each numbers its lines after the last one's. No such run is
// sql.ErrNoRows.
func (dialect) LockRun(ctx context.Context, tx *sql.Tx, runID string) error {
	var id string
	return tx.QueryRowContext(ctx, `SELECT id FROM plumb_runs WHERE id = $1 FOR NO KEY UPDATE`, runID).Scan(&id)
}

// InsertLog stores every line in one statement.
func (dialect) InsertLog(ctx context.Context, tx *sql.Tx, runID string, next int, lines []string) error {
	seqs, texts := make([]int64, len(lines)), make([]string, len(lines))
	for i, line := range lines {
		seqs[i], texts[i] = int64(next+i+1), text(line)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO plumb_run_logs (run_id, seq, line)
			SELECT $1, seq, line FROM unnest($2::bigint[], $3::text[]) AS l (seq, line)`, runID, seqs, texts)
	return err
}

// LockKey takes the advisory lock of one lock key for the rest of tx.
func (dialect) LockKey(ctx context.Context, tx *sql.Tx, k plumb.LockKey) error {
	return lockTx(ctx, tx, "plumb lock", k.Repo, k.Dir, k.Workspace)
}
