package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/plumbhq/plumb"
)

const lockColumns = `id, repo, dir, workspace, project, owner, reason, run_id, acquired_at`

// AcquireLock takes l.Key for l.Owner, giving l an ID and AcquiredAt when
// they are empty. The read of the line, the insert and the read of the
// holder share one transaction, in which the dialect makes every process
// taking or waiting for the key take turns (SQLite's write lock, taken at
// BEGIN, already does), so of any number of callers, in any number of
// processes, exactly one wins. The same owner asking again gets the lock it holds;
// another owner gets the holder with ECONFLICT. EINVALID when the key's
// dir or the owner is empty.
func (db *DB) AcquireLock(ctx context.Context, l plumb.Lock) (plumb.Lock, error) {
	if l.Key.Dir == "" || l.Owner == "" {
		return plumb.Lock{}, plumb.Errorf(plumb.EINVALID, "lock %s: dir and owner required", l.Key)
	}
	if l.ID == "" {
		l.ID = NewID(db.now())
	}
	if l.AcquiredAt.IsZero() {
		l.AcquiredAt = db.now()
	}
	var holder plumb.Lock
	var ahead *plumb.LockWaiter
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		// From here to the commit, the line and the holder read below
		// cannot change under us.
		if err := db.d.LockKey(ctx, tx, l.Key); err != nil {
			return err
		}
		// A free key goes to the first in line, if anyone waits.
		first, waiting, err := db.firstWaiter(ctx, tx, l.Key)
		if err != nil {
			return err
		}
		if waiting && first.Owner != l.Owner {
			var held int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM plumb_locks WHERE repo = $1 AND dir = $2 AND workspace = $3 AND owner = $4`,
				l.Key.Repo, l.Key.Dir, l.Key.Workspace, l.Owner).Scan(&held); err != nil {
				return err
			}
			if held == 0 {
				ahead = &first
			}
		}
		if ahead == nil {
			if _, err := tx.ExecContext(ctx, `INSERT INTO plumb_locks (`+lockColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT (repo, dir, workspace) DO NOTHING`,
				l.ID, l.Key.Repo, l.Key.Dir, l.Key.Workspace, l.Project, l.Owner, l.Reason, l.RunID,
				formatTime(l.AcquiredAt)); err != nil {
				return err
			}
		}
		holder, err = scanLock(tx.QueryRowContext(ctx, `SELECT `+lockColumns+` FROM plumb_locks
			WHERE repo = $1 AND dir = $2 AND workspace = $3`, l.Key.Repo, l.Key.Dir, l.Key.Workspace))
		if errors.Is(err, sql.ErrNoRows) && ahead != nil {
			return nil // free, but promised to the first in line
		}
		if err != nil || holder.Owner != l.Owner {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM plumb_lock_waiters WHERE repo = $1 AND dir = $2 AND workspace = $3 AND owner = $4`,
			l.Key.Repo, l.Key.Dir, l.Key.Workspace, l.Owner)
		return err
	})
	if db.d.IsPrimaryKey(err) {
		return plumb.Lock{}, plumb.Errorf(plumb.EINVALID, "lock id %s is taken", l.ID)
	}
	if err != nil {
		return plumb.Lock{}, fmt.Errorf("acquire lock %s: %w", l.Key, err)
	}
	if holder.ID == "" && ahead != nil {
		next := plumb.Lock{Key: l.Key, Project: ahead.Project, Owner: ahead.Owner, Reason: "next in line", AcquiredAt: ahead.Since}
		return next, &plumb.Error{Code: plumb.ECONFLICT, Message: fmt.Sprintf("%s is free but %s waits for it first (since %s)",
			l.Key, ahead.Owner, ahead.Since.Format(time.RFC3339))}
	}
	if holder.ID != l.ID && holder.Owner != l.Owner {
		return holder, lockConflict(holder)
	}
	return holder, nil
}

// lockConflict names the holder and since when, for CLI, logs and PRs.
func lockConflict(h plumb.Lock) *plumb.Error {
	what := h.Key.String()
	if h.Project != "" {
		what = fmt.Sprintf("%s (%s)", h.Project, h.Key)
	}
	msg := fmt.Sprintf("%s is locked by %s since %s", what, h.Owner, h.AcquiredAt.Format(time.RFC3339))
	if h.Reason != "" {
		msg += ": " + h.Reason
	}
	return &plumb.Error{Code: plumb.ECONFLICT, Message: msg}
}

// ReleaseLock frees a lock by ID. ENOTFOUND when there is none.
func (db *DB) ReleaseLock(ctx context.Context, id string) error {
	res, err := db.db.ExecContext(ctx, `DELETE FROM plumb_locks WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("release lock %s: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return plumb.Errorf(plumb.ENOTFOUND, "no lock with id %s", id)
	}
	return nil
}

// ReleaseLocksOwnedBy frees every lock an owner holds and returns them,
// oldest first; none is not an error.
func (db *DB) ReleaseLocksOwnedBy(ctx context.Context, owner string) ([]plumb.Lock, error) {
	locks, err := db.queryLocks(ctx, `DELETE FROM plumb_locks WHERE owner = $1 RETURNING `+lockColumns, owner)
	if err != nil {
		return nil, fmt.Errorf("release locks of %s: %w", owner, err)
	}
	if _, err := db.db.ExecContext(ctx, `DELETE FROM plumb_lock_waiters WHERE owner = $1`, owner); err != nil {
		return nil, fmt.Errorf("release locks of %s: leave the lines: %w", owner, err)
	}
	sortLocks(locks)
	return locks, nil
}

// Locks lists the held locks, oldest first.
func (db *DB) Locks(ctx context.Context) ([]plumb.Lock, error) {
	locks, err := db.queryLocks(ctx, `SELECT `+lockColumns+` FROM plumb_locks ORDER BY acquired_at, id`)
	if err != nil {
		return nil, fmt.Errorf("locks: %w", err)
	}
	return locks, nil
}

func (db *DB) queryLocks(ctx context.Context, q string, args ...any) ([]plumb.Lock, error) {
	rows, err := db.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	locks := []plumb.Lock{}
	for rows.Next() {
		l, err := scanLock(rows)
		if err != nil {
			return nil, err
		}
		locks = append(locks, l)
	}
	return locks, rows.Err()
}

func scanLock(row rowScanner) (plumb.Lock, error) {
	var l plumb.Lock
	var at sql.NullString
	if err := row.Scan(&l.ID, &l.Key.Repo, &l.Key.Dir, &l.Key.Workspace, &l.Project, &l.Owner, &l.Reason,
		&l.RunID, &at); err != nil {
		return plumb.Lock{}, err
	}
	var err error
	l.AcquiredAt, err = parseTime(at)
	return l, err
}

// sortLocks orders by acquisition time, then ID, as Locks does.
func sortLocks(locks []plumb.Lock) {
	slices.SortFunc(locks, func(a, b plumb.Lock) int {
		if c := a.AcquiredAt.Compare(b.AcquiredAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}
