package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/plumbhq/plumb"
)

const waiterColumns = `repo, dir, workspace, project, owner, since, expires_at`

// WaitForLock puts w.Owner in line for w.Key, keeping its first Since, and
// returns its place among the waiters that have not expired.
func (db *DB) WaitForLock(ctx context.Context, w plumb.LockWaiter) (int, error) {
	if w.Key.Dir == "" || w.Owner == "" || w.Expires.IsZero() {
		return 0, plumb.Errorf(plumb.EINVALID, "wait for lock %s: dir, owner and expiry required", w.Key)
	}
	if w.Since.IsZero() {
		w.Since = db.now()
	}
	var place int
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := db.d.LockKey(ctx, tx, w.Key); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO plumb_lock_waiters (`+waiterColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (repo, dir, workspace, owner) DO UPDATE SET expires_at = excluded.expires_at, project = excluded.project`,
			w.Key.Repo, w.Key.Dir, w.Key.Workspace, w.Project, w.Owner, formatTime(w.Since), formatTime(w.Expires)); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM plumb_lock_waiters a
			JOIN plumb_lock_waiters me ON me.repo = a.repo AND me.dir = a.dir AND me.workspace = a.workspace AND me.owner = $4
			WHERE a.repo = $1 AND a.dir = $2 AND a.workspace = $3 AND a.expires_at > $5
			AND (a.since < me.since OR (a.since = me.since AND a.owner <= me.owner))`,
			w.Key.Repo, w.Key.Dir, w.Key.Workspace, w.Owner, formatTime(db.now())).Scan(&place)
	})
	if err != nil {
		return 0, fmt.Errorf("wait for lock %s: %w", w.Key, err)
	}
	return place, nil
}

// LockWaiters lists the waiters that have not expired, by key then place.
func (db *DB) LockWaiters(ctx context.Context) ([]plumb.LockWaiter, error) {
	rows, err := db.db.QueryContext(ctx, `SELECT `+waiterColumns+` FROM plumb_lock_waiters WHERE expires_at > $1
		ORDER BY repo, dir, workspace, since, owner`, formatTime(db.now()))
	if err != nil {
		return nil, fmt.Errorf("lock waiters: %w", err)
	}
	defer rows.Close()
	out := []plumb.LockWaiter{}
	for rows.Next() {
		w, err := scanWaiter(rows)
		if err != nil {
			return nil, fmt.Errorf("lock waiters: %w", err)
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

func scanWaiter(row rowScanner) (plumb.LockWaiter, error) {
	var w plumb.LockWaiter
	var since, expires sql.NullString
	if err := row.Scan(&w.Key.Repo, &w.Key.Dir, &w.Key.Workspace, &w.Project, &w.Owner, &since, &expires); err != nil {
		return w, err
	}
	var err1, err2 error
	w.Since, err1 = parseTime(since)
	w.Expires, err2 = parseTime(expires)
	return w, errors.Join(err1, err2)
}

// firstWaiter is who is next in line for key, if anyone still waits.
func (db *DB) firstWaiter(ctx context.Context, tx *sql.Tx, key plumb.LockKey) (plumb.LockWaiter, bool, error) {
	w, err := scanWaiter(tx.QueryRowContext(ctx, `SELECT `+waiterColumns+` FROM plumb_lock_waiters
		WHERE repo = $1 AND dir = $2 AND workspace = $3 AND expires_at > $4 ORDER BY since, owner LIMIT 1`,
		key.Repo, key.Dir, key.Workspace, formatTime(db.now())))
	if errors.Is(err, sql.ErrNoRows) {
		return w, false, nil
	}
	return w, err == nil, err
}

// UpdateLock changes a held lock's reason and run.
func (db *DB) UpdateLock(ctx context.Context, l plumb.Lock) error {
	res, err := db.db.ExecContext(ctx, `UPDATE plumb_locks SET reason = $1, run_id = $2 WHERE id = $3`, l.Reason, l.RunID, l.ID)
	if err != nil {
		return fmt.Errorf("update lock %s: %w", l.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return plumb.Errorf(plumb.ENOTFOUND, "no lock with id %s", l.ID)
	}
	return nil
}
