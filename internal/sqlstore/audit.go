package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/plumbhq/plumb"
)

// RecordAudit appends to the audit trail, giving the entry an ID and time
// when they are empty. EINVALID when the actor or action is empty.
func (db *DB) RecordAudit(ctx context.Context, a plumb.AuditEntry) error {
	if a.Actor == "" || a.Action == "" {
		return plumb.Errorf(plumb.EINVALID, "audit entry: actor and action required")
	}
	if a.ID == "" {
		a.ID = NewID(db.now())
	}
	if a.At.IsZero() {
		a.At = db.now()
	}
	_, err := db.db.ExecContext(ctx, `INSERT INTO plumb_audit (id, at, actor, action, repo, project, commit_sha, run_id, result)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		a.ID, formatTime(a.At), a.Actor, a.Action, a.Repo, a.Project, a.Commit, a.RunID, a.Result)
	if db.d.IsPrimaryKey(err) {
		return plumb.Errorf(plumb.EINVALID, "audit entry %s already exists", a.ID)
	}
	if err != nil {
		return fmt.Errorf("record audit: %w", err)
	}
	return nil
}

// Audit lists the audit entries matching the filter, newest first.
func (db *DB) Audit(ctx context.Context, f plumb.AuditFilter) ([]plumb.AuditEntry, error) {
	w := &Where{}
	w.Eq("repo", f.Repo)
	w.Eq("project", f.Project)
	w.Eq("actor", f.Actor)
	w.Eq("action", f.Action)
	w.In("repo", f.Repos)
	w.since("at", f.Since)
	w.before("at", "id", f.Before)
	q := w.limit(`SELECT id, at, actor, action, repo, project, commit_sha, run_id, result FROM plumb_audit`+
		w.String()+` ORDER BY at DESC, id DESC`, f.Limit)
	rows, err := db.db.QueryContext(ctx, q, w.Args...)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	defer rows.Close()
	entries := []plumb.AuditEntry{}
	for rows.Next() {
		var a plumb.AuditEntry
		var at sql.NullString
		if err := rows.Scan(&a.ID, &at, &a.Actor, &a.Action, &a.Repo, &a.Project, &a.Commit, &a.RunID, &a.Result); err != nil {
			return nil, fmt.Errorf("audit: %w", err)
		}
		if a.At, err = parseTime(at); err != nil {
			return nil, err
		}
		entries = append(entries, a)
	}
	return entries, rows.Err()
}
