package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/plumbhq/plumb"
)

// RunColumns are the columns of a run but its lease, in RunArgs order.
const RunColumns = `id, repo, project, dir, workspace, kind, status, triggered_by, commit_sha, base_sha,
	engine, engine_version, summary_add, summary_change, summary_destroy, summary_replace, summary_import,
	changes_outside, resources, plan_text, plan_sha256, policy, replanned, error, blocked_by,
	created_at, started_at, finished_at, plan_id, differences, drift`

// runSelect is RunColumns and the lease ($32…$34), which only
// CreateRun, RenewRunLeases and ClaimExpiredRuns write.
const runSelect = RunColumns + `, lease_owner, lease_expires, lease_job`

// CreateRun stores a new run, stamping CreatedAt when it is zero.
// EINVALID when the ID is empty or taken.
func (db *DB) CreateRun(ctx context.Context, r *plumb.Run) error {
	if r.ID == "" {
		return plumb.Errorf(plumb.EINVALID, "run: id required")
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = db.now()
	}
	args, err := RunArgs(db.d, r)
	if err != nil {
		return err
	}
	_, err = db.db.ExecContext(ctx, `INSERT INTO plumb_runs (`+runSelect+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
			$21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34)`, args...)
	if db.d.IsPrimaryKey(err) || db.d.IsUnique(err) {
		return plumb.Errorf(plumb.EINVALID, "run %s already exists", r.ID)
	}
	if err != nil {
		return fmt.Errorf("create run %s: %w", r.ID, err)
	}
	return nil
}

// UpdateRun replaces a stored run (all but its ID, CreatedAt and lease)
// while r.Lease.Owner holds it. ECONFLICT when another does, ENOTFOUND
// when there is none.
func (db *DB) UpdateRun(ctx context.Context, r *plumb.Run) error {
	args, err := RunArgs(db.d, r)
	if err != nil {
		return err
	}
	tail, args := db.d.UpdateRunTail(args)
	res, err := db.db.ExecContext(ctx, `UPDATE plumb_runs SET repo = $2, project = $3, dir = $4, workspace = $5,
		kind = $6, status = $7, triggered_by = $8, commit_sha = $9, base_sha = $10, engine = $11,
		engine_version = $12, summary_add = $13, summary_change = $14, summary_destroy = $15,
		summary_replace = $16, summary_import = $17, changes_outside = $18, resources = $19, plan_text = $20,
		plan_sha256 = $21, policy = $22, replanned = $23, error = $24, blocked_by = $25,
		`+tail, args...)
	if err != nil {
		return fmt.Errorf("update run %s: %w", r.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return db.updateMissed(ctx, r)
	}
	return nil
}

// RunArgs gives the $1…$34 arguments of a run, in runSelect order, its
// free text made storable by d.
func RunArgs(d Dialect, r *plumb.Run) ([]any, error) {
	resources, err := json.Marshal(r.Resources)
	if err != nil {
		return nil, fmt.Errorf("run %s: resources: %w", r.ID, err)
	}
	var policy sql.NullString
	if r.Policy != nil {
		b, err := json.Marshal(r.Policy)
		if err != nil {
			return nil, fmt.Errorf("run %s: policy: %w", r.ID, err)
		}
		policy = sql.NullString{String: string(b), Valid: true}
	}
	diffs, err := json.Marshal(r.Differences)
	if err != nil {
		return nil, fmt.Errorf("run %s: differences: %w", r.ID, err)
	}
	drift, err := driftArg(r.Drift)
	if err != nil {
		return nil, fmt.Errorf("run %s: drift: %w", r.ID, err)
	}
	s := r.Summary
	return []any{
		r.ID, r.Repo, r.Project, r.Dir, r.Workspace, string(r.Kind), string(r.Status), r.Trigger, r.Commit, r.Base,
		string(r.Engine), r.EngineVersion, s.Add, s.Change, s.Destroy, s.Replace, s.Import,
		r.ChangesOutside, string(resources), d.Text(r.PlanText), r.PlanSHA256, policy, d.Text(r.Replanned), d.Text(r.Error), r.BlockedBy,
		formatTime(r.CreatedAt), nullTime(r.StartedAt), nullTime(r.FinishedAt), r.PlanID, string(diffs), drift,
		r.Lease.Owner, leaseTime(r.Lease.Expires), r.Lease.Job,
	}, nil
}

type rowScanner interface{ Scan(dest ...any) error }

func scanRun(row rowScanner) (*plumb.Run, error) {
	var (
		r                          plumb.Run
		kind, status, engine       string
		resources, diffs           string
		policy, drift              sql.NullString
		created, started, finished sql.NullString
		leaseExpires               sql.NullString
	)
	s := &r.Summary
	if err := row.Scan(&r.ID, &r.Repo, &r.Project, &r.Dir, &r.Workspace, &kind, &status, &r.Trigger, &r.Commit,
		&r.Base, &engine, &r.EngineVersion, &s.Add, &s.Change, &s.Destroy, &s.Replace, &s.Import,
		&r.ChangesOutside, &resources, &r.PlanText, &r.PlanSHA256, &policy, &r.Replanned, &r.Error, &r.BlockedBy,
		&created, &started, &finished, &r.PlanID, &diffs, &drift, &r.Lease.Owner, &leaseExpires, &r.Lease.Job); err != nil {
		return nil, err
	}
	r.Kind, r.Status, r.Engine = plumb.RunKind(kind), plumb.RunStatus(status), plumb.Engine(engine)
	if err := json.Unmarshal([]byte(resources), &r.Resources); err != nil {
		return nil, fmt.Errorf("run %s: resources: %w", r.ID, err)
	}
	if err := json.Unmarshal([]byte(diffs), &r.Differences); err != nil {
		return nil, fmt.Errorf("run %s: differences: %w", r.ID, err)
	}
	if policy.Valid {
		r.Policy = new(plumb.PolicyOutcome)
		if err := json.Unmarshal([]byte(policy.String), r.Policy); err != nil {
			return nil, fmt.Errorf("run %s: policy: %w", r.ID, err)
		}
	}
	var err error
	if r.Drift, err = scanDrift(drift); err != nil {
		return nil, fmt.Errorf("run %s: drift: %w", r.ID, err)
	}
	if r.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	if r.StartedAt, err = parseTime(started); err != nil {
		return nil, err
	}
	if r.FinishedAt, err = parseTime(finished); err != nil {
		return nil, err
	}
	if r.Lease.Expires, err = parseTime(leaseExpires); err != nil {
		return nil, err
	}
	return &r, nil
}

// Run returns one run. ENOTFOUND when there is none.
func (db *DB) Run(ctx context.Context, id string) (*plumb.Run, error) {
	r, err := scanRun(db.db.QueryRowContext(ctx, `SELECT `+runSelect+` FROM plumb_runs WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, plumb.Errorf(plumb.ENOTFOUND, "run %s not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("run %s: %w", id, err)
	}
	return r, nil
}

// Runs lists runs matching the filter, newest first (by CreatedAt, then ID).
func (db *DB) Runs(ctx context.Context, f plumb.RunFilter) ([]*plumb.Run, error) {
	w := RunWhere(f, db.d.ReposColumn())
	w.before("created_at", "id", f.Before)
	cols, scan := selectOf(f)
	q := w.limit(`SELECT `+cols+` FROM plumb_runs`+w.String()+` ORDER BY created_at DESC, id DESC`, f.Limit)
	return db.scanRuns(ctx, "runs", q, w.Args, scan)
}

// LatestRuns returns the newest matching run of each repo and project, by
// repo then project.
func (db *DB) LatestRuns(ctx context.Context, f plumb.RunFilter) ([]*plumb.Run, error) {
	cols, scan := selectOf(f)
	q, args := db.d.LatestRuns(f, cols)
	return db.scanRuns(ctx, "latest runs", q, args, scan)
}

func (db *DB) queryRuns(ctx context.Context, what, q string, args []any) ([]*plumb.Run, error) {
	return db.scanRuns(ctx, what, q, args, scanRun)
}

func (db *DB) scanRuns(ctx context.Context, what, q string, args []any, scan func(rowScanner) (*plumb.Run, error)) ([]*plumb.Run, error) {
	rows, err := db.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	runs := []*plumb.Run{}
	for rows.Next() {
		r, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		runs = append(runs, r)
	}
	return runs, rows.Err()
}

// AppendRunLog adds lines to a run's log. ENOTFOUND when there is no such run.
func (db *DB) AppendRunLog(ctx context.Context, runID string, lines ...string) error {
	if len(lines) == 0 {
		return nil
	}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.d.LockRun(ctx, tx, runID); err != nil {
			return err
		}
		var next int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM plumb_run_logs WHERE run_id = $1`,
			runID).Scan(&next); err != nil {
			return err
		}
		return db.d.InsertLog(ctx, tx, runID, next, lines)
	})
	if errors.Is(err, sql.ErrNoRows) || db.d.IsForeignKey(err) {
		return plumb.Errorf(plumb.ENOTFOUND, "run %s not found", runID)
	}
	if err != nil {
		return fmt.Errorf("append log of run %s: %w", runID, err)
	}
	return nil
}

// RunLog returns a run's log lines in order. ENOTFOUND when there is no
// such run.
func (db *DB) RunLog(ctx context.Context, runID string) ([]string, error) {
	var n int
	if err := db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM plumb_runs WHERE id = $1`, runID).Scan(&n); err != nil {
		return nil, fmt.Errorf("log of run %s: %w", runID, err)
	}
	if n == 0 {
		return nil, plumb.Errorf(plumb.ENOTFOUND, "run %s not found", runID)
	}
	rows, err := db.db.QueryContext(ctx, `SELECT line FROM plumb_run_logs WHERE run_id = $1 ORDER BY seq`, runID)
	if err != nil {
		return nil, fmt.Errorf("log of run %s: %w", runID, err)
	}
	defer rows.Close()
	lines := []string{}
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return nil, err
		}
		lines = append(lines, line)
	}
	return lines, rows.Err()
}
