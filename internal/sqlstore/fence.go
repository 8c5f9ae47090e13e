package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/plumbhq/plumb"
)

// updateMissed says why UpdateRun changed no row: no such run, or its
// lease is no longer r's owner's (a replica recovered it), so that the
// late writer stops rather than overwrite the recovered outcome.
func (db *DB) updateMissed(ctx context.Context, r *plumb.Run) error {
	var owner string
	err := db.db.QueryRowContext(ctx, `SELECT lease_owner FROM plumb_runs WHERE id = $1`, r.ID).Scan(&owner)
	if errors.Is(err, sql.ErrNoRows) {
		return plumb.Errorf(plumb.ENOTFOUND, "run %s not found", r.ID)
	}
	if err != nil {
		return fmt.Errorf("update run %s: %w", r.ID, err)
	}
	return plumb.Errorf(plumb.ECONFLICT, "run %s is leased to %s, not %q: another process took it over", r.ID, owner, r.Lease.Owner)
}
