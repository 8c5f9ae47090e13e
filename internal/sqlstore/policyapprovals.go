package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/plumbhq/plumb"
)

// CreatePolicyApproval stores an approval of a plan's policy denials,
// filling in an empty ID or CreatedAt on a. EINVALID when repo, project,
// run, plan hash or approver is empty, or the ID is taken.
func (db *DB) CreatePolicyApproval(ctx context.Context, a *plumb.PolicyApproval) error {
	if a.Repo == "" || a.Project == "" || a.RunID == "" || a.PlanSHA256 == "" || a.By == "" {
		return plumb.Errorf(plumb.EINVALID, "policy approval: repo, project, run ID, plan SHA-256 and approver required")
	}
	if a.ID == "" {
		a.ID = NewID(db.now())
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = db.now()
	}
	_, err := db.db.ExecContext(ctx, `INSERT INTO plumb_policy_approvals (id, repo, project, run_id, plan_sha256, approved_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		a.ID, a.Repo, a.Project, a.RunID, a.PlanSHA256, a.By, formatTime(a.CreatedAt))
	if db.d.IsPrimaryKey(err) {
		return plumb.Errorf(plumb.EINVALID, "policy approval %s already exists", a.ID)
	}
	if err != nil {
		return fmt.Errorf("create policy approval: %w", err)
	}
	return nil
}

// PolicyApprovals lists the approvals of plan run runID, oldest first (by
// CreatedAt, then ID).
func (db *DB) PolicyApprovals(ctx context.Context, runID string) ([]plumb.PolicyApproval, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT id, repo, project, run_id, plan_sha256, approved_by, created_at
		FROM plumb_policy_approvals WHERE run_id = $1 ORDER BY created_at, id`, runID)
	if err != nil {
		return nil, fmt.Errorf("policy approvals: %w", err)
	}
	defer rows.Close()
	out := []plumb.PolicyApproval{}
	for rows.Next() {
		var a plumb.PolicyApproval
		var created sql.NullString
		if err := rows.Scan(&a.ID, &a.Repo, &a.Project, &a.RunID, &a.PlanSHA256, &a.By, &created); err != nil {
			return nil, fmt.Errorf("policy approvals: %w", err)
		}
		if a.CreatedAt, err = parseTime(created); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
