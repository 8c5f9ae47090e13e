package dashboard

import (
	"context"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/plumbhq/plumb"
)

// LockJSON is the flat, stable shape of a lock: plumb locks --json and
// GET /api/v1/locks.
type LockJSON struct {
	ID         string    `json:"id"`
	Project    string    `json:"project"`
	Repo       string    `json:"repo"`
	Dir        string    `json:"dir"`
	Workspace  string    `json:"workspace"`
	Owner      string    `json:"owner"`
	Reason     string    `json:"reason"`
	RunID      string    `json:"run_id"`
	AcquiredAt time.Time `json:"acquired_at"`
}

// ToLockJSON flattens a lock.
func ToLockJSON(l plumb.Lock) LockJSON {
	return LockJSON{l.ID, l.Project, l.Key.Repo, l.Key.Dir, l.Key.Workspace, l.Owner, l.Reason, l.RunID, l.AcquiredAt}
}

// LockProject names a lock's project, or its directory when it has none.
func LockProject(l plumb.Lock) string {
	if l.Project == "" {
		return l.Key.Dir
	}
	return l.Project
}

// WriteLocksTable writes locks as an aligned table, ages from now.
func WriteLocksTable(w io.Writer, locks []plumb.Lock, now time.Time) error {
	if len(locks) == 0 {
		_, err := fmt.Fprintln(w, "no locks held")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tPROJECT\tDIR\tWORKSPACE\tOWNER\tREASON\tAGE")
	for _, l := range locks {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", l.ID, LockProject(l), l.Key.Dir, l.Key.Workspace, l.Owner,
			l.Reason, Age(now.Sub(l.AcquiredAt)))
	}
	return tw.Flush()
}

// ReleaseLock frees lock id for actor and records it in the audit trail
// (via says where: "dashboard", "cli"): the one release of plumb locks
// release and the dashboard. ENOTFOUND when no such lock is held.
func ReleaseLock(ctx context.Context, st plumb.Store, id, actor, via string) (plumb.Lock, error) {
	locks, err := st.Locks(ctx)
	if err != nil {
		return plumb.Lock{}, err
	}
	i := slices.IndexFunc(locks, func(l plumb.Lock) bool { return l.ID == id })
	if i < 0 {
		return plumb.Lock{}, plumb.Errorf(plumb.ENOTFOUND, "no lock with id %q: see plumb locks list", id)
	}
	l := locks[i]
	if err := st.ReleaseLock(ctx, id); err != nil {
		if plumb.ErrorCode(err) == plumb.ENOTFOUND {
			return l, plumb.Errorf(plumb.ENOTFOUND, "lock %s was released meanwhile", id)
		}
		return l, err
	}
	err = st.RecordAudit(ctx, plumb.AuditEntry{Actor: actor, Action: "unlock", Repo: l.Key.Repo, Project: l.Project,
		RunID: l.RunID, Result: fmt.Sprintf("released %s held by %s (%s)", l.Key, l.Owner, via)})
	if err != nil {
		return l, fmt.Errorf("lock %s released, but not audited: %w", id, err)
	}
	return l, nil
}
