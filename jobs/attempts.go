package jobs

import "github.com/plumbhq/plumb"

// A job runs again when its replica died (the queue hands it to another
// once its runs are recovered) or when it failed after applying. What an
// earlier attempt of the same event did must then stand: nothing is
// applied twice by a retry.

// earlierAttempt reports whether run was made while handling ev, i.e. by
// an earlier attempt of it: runs start only after their event is received.
func earlierAttempt(ev plumb.Event, run *plumb.Run) bool {
	return !ev.ReceivedAt.IsZero() && run != nil && !run.CreatedAt.Before(ev.ReceivedAt)
}

// unfinishedPrior is the wait of an apply whose earlier attempt left a run
// not yet finished nor recovered (its replica is alive, or its lease has
// not expired): applying now could apply twice, so the event waits, as
// for a lock, until the run ends or is marked interrupted.
func unfinishedPrior(ev plumb.Event, run *plumb.Run) error {
	return plumb.Errorf(plumb.ECONFLICT, "%s#%d: the apply of %s (run %s) is still %s on %s; waiting for it to end or be recovered",
		ev.Repo, ev.PR, run.Project, run.ID, run.Status, run.Lease.Owner)
}
