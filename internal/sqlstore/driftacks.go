package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/plumbhq/plumb"
)

const driftAckColumns = `id, repo, project, address, findings, acked_by, reason, until_at, created_at`

// CreateDriftAck stores an acknowledgement, filling in an empty ID or
// CreatedAt on a. EINVALID when repo, project, by, reason or until is
// empty, or the ID is taken.
func (db *DB) CreateDriftAck(ctx context.Context, a *plumb.DriftAckRecord) error {
	if a.Repo == "" || a.Project == "" || a.By == "" || a.Reason == "" || a.Until.IsZero() {
		return plumb.Errorf(plumb.EINVALID, "drift ack: repo, project, by, reason and until required")
	}
	findings, err := json.Marshal(a.Findings)
	if err != nil {
		return fmt.Errorf("drift ack: findings: %w", err)
	}
	if a.ID == "" {
		a.ID = NewID(db.now())
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = db.now()
	}
	_, err = db.db.ExecContext(ctx, `INSERT INTO plumb_drift_acks (`+driftAckColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		a.ID, a.Repo, a.Project, a.Address, string(findings), a.By, a.Reason, formatTime(a.Until), formatTime(a.CreatedAt))
	if db.d.IsPrimaryKey(err) {
		return plumb.Errorf(plumb.EINVALID, "drift ack %s already exists", a.ID)
	}
	if err != nil {
		return fmt.Errorf("create drift ack: %w", err)
	}
	return nil
}

// DriftAcks lists acknowledgements, expired ones too, oldest first (by
// CreatedAt, then ID).
func (db *DB) DriftAcks(ctx context.Context) ([]plumb.DriftAckRecord, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+driftAckColumns+` FROM plumb_drift_acks ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("drift acks: %w", err)
	}
	defer rows.Close()
	acks := []plumb.DriftAckRecord{}
	for rows.Next() {
		var (
			a              plumb.DriftAckRecord
			findings       string
			until, created sql.NullString
		)
		if err := rows.Scan(&a.ID, &a.Repo, &a.Project, &a.Address, &findings, &a.By, &a.Reason,
			&until, &created); err != nil {
			return nil, fmt.Errorf("drift acks: %w", err)
		}
		if err := json.Unmarshal([]byte(findings), &a.Findings); err != nil {
			return nil, fmt.Errorf("drift ack %s: findings: %w", a.ID, err)
		}
		utcFindings(a.Findings)
		if a.Until, err = parseTime(until); err != nil {
			return nil, err
		}
		if a.CreatedAt, err = parseTime(created); err != nil {
			return nil, err
		}
		acks = append(acks, a)
	}
	return acks, rows.Err()
}

// DeleteDriftAck withdraws an acknowledgement. ENOTFOUND when there is none.
func (db *DB) DeleteDriftAck(ctx context.Context, id string) error {
	res, err := db.db.ExecContext(ctx, `DELETE FROM plumb_drift_acks WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete drift ack %s: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return plumb.Errorf(plumb.ENOTFOUND, "drift ack %s not found", id)
	}
	return nil
}
