package sqlite

import (
	"context"
	"database/sql"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/internal/sqlstore"
)

// dialect is SQLite's side of the shared SQL. Its write transactions take
// the file's write lock at BEGIN, so runs' logs and lock keys need no
// lock of their own.
type dialect struct{}

func (dialect) IsPrimaryKey(err error) bool { return isConstraint(err, errPrimaryKey) }
func (dialect) IsUnique(err error) bool     { return isConstraint(err, errUnique) }
func (dialect) IsForeignKey(err error) bool { return isConstraint(err, errForeignKey) }

// Text keeps s as it is: SQLite text holds NUL and invalid UTF-8.
func (dialect) Text(s string) string { return s }

// ReposColumn is "+repo", which keeps SQLite from looking the repos up in
// an index: a page of a listing then walks created_at's index newest first
// and keeps the repos' runs, instead of sorting every run of the repos for
// one page; LatestRuns walks plumb_runs_latest by kind and status either
// way.
func (dialect) ReposColumn() string { return "+repo" }

// UpdateRunTail numbers as RunArgs does, skipping created_at ($26), which
// SQLite lets go unused; the lease's owner fences it.
func (dialect) UpdateRunTail(args []any) (string, []any) {
	return "started_at = $27, finished_at = $28, plan_id = $29, differences = $30, drift = $31\n\t\t" +
		"WHERE id = $1 AND lease_owner = $32", args[:32]
}

func (d dialect) LatestRuns(f plumb.RunFilter, cols string) (string, []any) {
	if f.Kind != "" && f.Status != "" && f.Commit == "" && f.Trigger == "" && f.Since.IsZero() {
		// By kind and status (the estate's last applies): one row per
		// project from plumb_latest_runs, which triggers keep (0009).
		w := &sqlstore.Where{}
		w.Eq("kind", string(f.Kind))
		w.Eq("status", string(f.Status))
		w.Eq("repo", f.Repo)
		w.Eq("project", f.Project)
		w.In("repo", f.Repos)
		// plumb_latest_runs leads: its key already sorts by repo and
		// project, so each row is one lookup by ID and nothing is sorted.
		q := `SELECT ` + cols + ` FROM (SELECT run_id AS latest_id, repo AS latest_repo, project AS latest_project
			FROM plumb_latest_runs` + w.String() + `) CROSS JOIN plumb_runs ON id = latest_id ORDER BY latest_repo, latest_project`
		return q, w.Args
	}
	w := sqlstore.RunWhere(f, d.ReposColumn())
	// With one MAX, SQLite takes the bare column (id) from the row holding
	// it; created_at||id breaks ties by ID as Runs does.
	q := `SELECT ` + cols + ` FROM plumb_runs WHERE id IN (SELECT id FROM (SELECT id, MAX(created_at || id)
		FROM plumb_runs` + w.String() + ` GROUP BY repo, project)) ORDER BY repo, project`
	return q, w.Args
}

func (dialect) LockRun(context.Context, *sql.Tx, string) error { return nil }

func (dialect) InsertLog(ctx context.Context, tx *sql.Tx, runID string, next int, lines []string) error {
	for _, line := range lines {
		next++
		if _, err := tx.ExecContext(ctx, `INSERT INTO plumb_run_logs (run_id, seq, line) VALUES ($1, $2, $3)`,
			runID, next, line); err != nil {
			return err
		}
	}
	return nil
}

func (dialect) LockKey(context.Context, *sql.Tx, plumb.LockKey) error { return nil }
