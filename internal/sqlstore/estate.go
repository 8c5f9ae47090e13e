package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/plumbhq/plumb"
)

// runBriefColumns are what a brief read (RunFilter.Brief) takes: not the
// plan text, resources, policy, differences, drift or lease. Per column
// the driver costs as much as the row: the estate reads 5,000 at once.
const runBriefColumns = `id, repo, project, dir, workspace, kind, status, triggered_by, commit_sha, base_sha,
	engine, engine_version, summary_add, summary_change, summary_destroy, summary_replace, summary_import,
	changes_outside, plan_sha256, replanned, error, blocked_by, created_at, started_at, finished_at, plan_id`

func scanBriefRun(row rowScanner) (*plumb.Run, error) {
	var (
		r                          plumb.Run
		kind, status, engine       string
		created, started, finished sql.NullString
	)
	s := &r.Summary
	if err := row.Scan(&r.ID, &r.Repo, &r.Project, &r.Dir, &r.Workspace, &kind, &status, &r.Trigger, &r.Commit,
		&r.Base, &engine, &r.EngineVersion, &s.Add, &s.Change, &s.Destroy, &s.Replace, &s.Import,
		&r.ChangesOutside, &r.PlanSHA256, &r.Replanned, &r.Error, &r.BlockedBy, &created, &started, &finished,
		&r.PlanID); err != nil {
		return nil, err
	}
	r.Kind, r.Status, r.Engine = plumb.RunKind(kind), plumb.RunStatus(status), plumb.Engine(engine)
	r.Resources = []plumb.ResourceChange{}
	var err error
	for _, t := range []struct {
		to *time.Time
		s  sql.NullString
	}{{&r.CreatedAt, created}, {&r.StartedAt, started}, {&r.FinishedAt, finished}} {
		if *t.to, err = parseTime(t.s); err != nil {
			return nil, fmt.Errorf("run %s: %w", r.ID, err)
		}
	}
	return &r, nil
}

// selectOf is the columns a read of f takes, and how a row is scanned.
func selectOf(f plumb.RunFilter) (string, func(rowScanner) (*plumb.Run, error)) {
	if f.Brief {
		return runBriefColumns, scanBriefRun
	}
	return runSelect, scanRun
}

// LockHolderPlans returns the newest plan each held lock's owner asked
// for of its project: one indexed lookup (project, kind, created_at) per
// lock, in one statement.
func (db *DB) LockHolderPlans(ctx context.Context, repos []string) ([]*plumb.Run, error) {
	w := &Where{}
	w.In("l.repo", repos)
	q := `SELECT ` + runBriefColumns + ` FROM plumb_runs WHERE id IN (
		SELECT (SELECT r.id FROM plumb_runs r
			WHERE r.project = l.project AND r.kind = 'plan' AND r.repo = l.repo AND r.triggered_by = l.owner
			ORDER BY r.created_at DESC, r.id DESC LIMIT 1)
		FROM plumb_locks l` + w.String() + `) ORDER BY repo, project`
	return db.scanRuns(ctx, "lock holders' plans", q, w.Args, scanBriefRun)
}
