package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/plumbhq/plumb"
)

// leaseTime stores a lease's expiry as text that sorts as time; no lease
// is the empty text, which sorts before every time: expired.
func leaseTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return formatTime(t)
}

// RenewRunLeases extends the lease of every unfinished run owner holds.
func (db *DB) RenewRunLeases(ctx context.Context, owner string, until time.Time) (int, error) {
	if owner == "" {
		return 0, plumb.Errorf(plumb.EINVALID, "renew run leases: owner required")
	}
	res, err := db.db.ExecContext(ctx, `UPDATE plumb_runs SET lease_expires = $2
		WHERE lease_owner = $1 AND status IN ($3, $4)`, owner, leaseTime(until), string(plumb.RunQueued), string(plumb.RunRunning))
	if err != nil {
		return 0, fmt.Errorf("renew run leases of %s: %w", owner, err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// ClaimExpiredRuns hands owner the unfinished runs whose lease ended
// before now, in one statement: a row another claimer changed first no
// longer matches.
func (db *DB) ClaimExpiredRuns(ctx context.Context, owner string, now, until time.Time) ([]*plumb.Run, error) {
	if owner == "" {
		return nil, plumb.Errorf(plumb.EINVALID, "claim expired runs: owner required")
	}
	return db.queryRuns(ctx, "claim expired runs", `UPDATE plumb_runs SET lease_owner = $1, lease_expires = $2
		WHERE status IN ($3, $4) AND lease_expires < $5 RETURNING `+runSelect,
		[]any{owner, leaseTime(until), string(plumb.RunQueued), string(plumb.RunRunning), formatTime(now)})
}
