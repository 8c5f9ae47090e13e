package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/plumbhq/plumb"
)

// driftArg stores a run's drift result as JSON, nil as NULL so that runs
// of other kinds read back without one.
func driftArg(d *plumb.DriftResult) (sql.NullString, error) {
	if d == nil {
		return sql.NullString{}, nil
	}
	b, err := json.Marshal(d)
	if err != nil {
		return sql.NullString{}, err
	}
	return sql.NullString{String: string(b), Valid: true}, nil
}

func scanDrift(s sql.NullString) (*plumb.DriftResult, error) {
	if !s.Valid {
		return nil, nil
	}
	d := new(plumb.DriftResult)
	if err := json.Unmarshal([]byte(s.String), d); err != nil {
		return nil, err
	}
	utcFindings(d.Resources)
	return d, nil
}

// utcFindings puts the times decoded from JSON in UTC, as every other
// time the store returns is.
func utcFindings(fs []plumb.DriftFinding) {
	for _, f := range fs {
		if f.Acknowledged != nil {
			f.Acknowledged.Until = f.Acknowledged.Until.UTC()
		}
	}
}

const driftStateColumns = `repo, project, dir, workspace, status, findings, error, first_seen,
	since, checked_at, last_clean, run_id, commit_sha, tick, issue`

// SaveDriftState stores a project's drift state, replacing the one of the
// same repo and project. EINVALID when either is empty.
func (db *DB) SaveDriftState(ctx context.Context, s plumb.DriftState) error {
	if s.Repo == "" || s.Project == "" {
		return plumb.Errorf(plumb.EINVALID, "drift state: repo and project required")
	}
	findings, err := json.Marshal(s.Findings)
	if err != nil {
		return fmt.Errorf("drift state %s %s: findings: %w", s.Repo, s.Project, err)
	}
	firstSeen, err := json.Marshal(s.FirstSeen)
	if err != nil {
		return fmt.Errorf("drift state %s %s: first seen: %w", s.Repo, s.Project, err)
	}
	// One statement, so a concurrent save of the same project cannot
	// fail on the key: the later one wins whole.
	_, err = db.db.ExecContext(ctx, `INSERT INTO plumb_drift_states (`+driftStateColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
		ON CONFLICT (repo, project) DO UPDATE SET dir = excluded.dir, workspace = excluded.workspace,
			status = excluded.status, findings = excluded.findings, error = excluded.error,
			first_seen = excluded.first_seen, since = excluded.since, checked_at = excluded.checked_at,
			last_clean = excluded.last_clean, run_id = excluded.run_id, commit_sha = excluded.commit_sha,
			tick = excluded.tick, issue = excluded.issue`,
		s.Repo, s.Project, s.Dir, s.Workspace, string(s.Status), string(findings), db.d.Text(s.Error), string(firstSeen),
		nullTime(s.Since), nullTime(s.CheckedAt), nullTime(s.LastClean), s.RunID, s.Commit, nullTime(s.Tick), s.Issue)
	if err != nil {
		return fmt.Errorf("save drift state %s %s: %w", s.Repo, s.Project, err)
	}
	return nil
}

func scanDriftState(row rowScanner) (plumb.DriftState, error) {
	var (
		s                           plumb.DriftState
		status                      string
		findings, firstSeen         string
		since, checked, clean, tick sql.NullString
	)
	if err := row.Scan(&s.Repo, &s.Project, &s.Dir, &s.Workspace, &status, &findings, &s.Error, &firstSeen,
		&since, &checked, &clean, &s.RunID, &s.Commit, &tick, &s.Issue); err != nil {
		return plumb.DriftState{}, err
	}
	s.Status = plumb.DriftStatus(status)
	if err := json.Unmarshal([]byte(findings), &s.Findings); err != nil {
		return plumb.DriftState{}, fmt.Errorf("drift state %s %s: findings: %w", s.Repo, s.Project, err)
	}
	utcFindings(s.Findings)
	if err := json.Unmarshal([]byte(firstSeen), &s.FirstSeen); err != nil {
		return plumb.DriftState{}, fmt.Errorf("drift state %s %s: first seen: %w", s.Repo, s.Project, err)
	}
	for k, v := range s.FirstSeen {
		s.FirstSeen[k] = v.UTC()
	}
	for _, c := range []struct {
		dst *time.Time
		src sql.NullString
	}{{&s.Since, since}, {&s.CheckedAt, checked}, {&s.LastClean, clean}, {&s.Tick, tick}} {
		var err error
		if *c.dst, err = parseTime(c.src); err != nil {
			return plumb.DriftState{}, err
		}
	}
	return s, nil
}

// DriftState returns one project's drift state. ENOTFOUND when none.
func (db *DB) DriftState(ctx context.Context, repo, project string) (plumb.DriftState, error) {
	s, err := scanDriftState(db.db.QueryRowContext(ctx, `SELECT `+driftStateColumns+` FROM plumb_drift_states
		WHERE repo = $1 AND project = $2`, repo, project))
	if errors.Is(err, sql.ErrNoRows) {
		return plumb.DriftState{}, plumb.Errorf(plumb.ENOTFOUND, "no drift state for %s %s", repo, project)
	}
	if err != nil {
		return plumb.DriftState{}, fmt.Errorf("drift state %s %s: %w", repo, project, err)
	}
	return s, nil
}

// DriftStates lists the drift states of repo ("" = every repo), by repo
// then project.
func (db *DB) DriftStates(ctx context.Context, repo string) ([]plumb.DriftState, error) {
	q := `SELECT ` + driftStateColumns + ` FROM plumb_drift_states`
	var args []any
	if repo != "" {
		q += ` WHERE repo = $1`
		args = append(args, repo)
	}
	rows, err := db.db.QueryContext(ctx, q+` ORDER BY repo, project`, args...)
	if err != nil {
		return nil, fmt.Errorf("drift states: %w", err)
	}
	defer rows.Close()
	states := []plumb.DriftState{}
	for rows.Next() {
		s, err := scanDriftState(rows)
		if err != nil {
			return nil, fmt.Errorf("drift states: %w", err)
		}
		states = append(states, s)
	}
	return states, rows.Err()
}
