package queue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/riverqueue/river"

	"github.com/plumbhq/plumb"
)

// EventArgs is the River job for one stored event: only the delivery ID,
// the event itself lives in plumb_events.
type EventArgs struct {
	Delivery string `json:"delivery"`
}

// Kind names the job kind in river_job.
func (EventArgs) Kind() string { return "plumb_event" }

// worker hands stored events to the handler and turns its error code into
// River's controls:
//
//	nil                  processed (the row and the job complete in one transaction)
//	ECONFLICT            JobSnooze(ConflictSnooze): a lock is held, try later
//	EINVALID, ENOTFOUND,
//	EUNAUTHORIZED        JobCancel: retrying cannot help; the row is failed
//	anything else        retried with backoff; failed after MaxAttempts
type worker struct {
	river.WorkerDefaults[EventArgs]
	q *Queue
}

func (w *worker) Work(ctx context.Context, job *river.Job[EventArgs]) error {
	q := w.q
	d := job.Args.Delivery
	log := q.log.With("delivery", d, "job", job.ID, "attempt", job.Attempt)
	rec, err := q.Event(ctx, d)
	if plumb.ErrorCode(err) == plumb.ENOTFOUND {
		log.Error("queue: job without a stored event")
		return river.JobCancel(err)
	}
	if err != nil {
		return err
	}
	if rec.Status == StatusProcessed || rec.Status == StatusFailed {
		// Finished before (a crash between the two writes cannot happen,
		// they share a transaction, but a hand-edited table can).
		return nil
	}
	if err := q.setStatus(ctx, q.db, d, StatusRunning, rec.Error, job.Attempt); err != nil {
		return err
	}
	hctx, done := q.working(ctx, job.ID)
	herr := q.cfg.Handler.HandleEvent(hctx, rec.Event)
	done()
	if herr == nil {
		return q.complete(ctx, job)
	}
	msg := herr.Error()
	switch plumb.ErrorCode(herr) {
	case plumb.ECONFLICT:
		log.Info("queue: event waits", "reason", q.cfg.Redact(msg), "retry_in", q.cfg.ConflictSnooze)
		if err := q.setStatus(ctx, q.db, d, StatusWaiting, msg, job.Attempt); err != nil {
			return err
		}
		return river.JobSnooze(q.cfg.ConflictSnooze)
	case plumb.EINVALID, plumb.ENOTFOUND, plumb.EUNAUTHORIZED:
		log.Warn("queue: event failed", "error", q.cfg.Redact(msg))
		if err := q.setStatus(ctx, q.db, d, StatusFailed, msg, job.Attempt); err != nil {
			return err
		}
		return river.JobCancel(herr)
	}
	status := StatusRetrying
	if job.Attempt >= job.MaxAttempts {
		status = StatusFailed
		log.Error("queue: event failed, no attempts left", "error", q.cfg.Redact(msg))
	} else {
		log.Warn("queue: event failed, will retry", "error", q.cfg.Redact(msg))
	}
	if err := q.setStatus(ctx, q.db, d, status, msg, job.Attempt); err != nil {
		return errors.Join(herr, err)
	}
	return herr
}

// complete marks the event processed and the job completed in one
// transaction, so a crash cannot leave a handled event queued.
func (q *Queue) complete(ctx context.Context, job *river.Job[EventArgs]) error {
	ctx = context.WithoutCancel(ctx)
	tx, err := q.be.begin(ctx)
	if err != nil {
		return fmt.Errorf("queue: complete %s: %w", job.Args.Delivery, err)
	}
	defer tx.rollback(ctx)
	if err := q.setStatus(ctx, tx, job.Args.Delivery, StatusProcessed, "", job.Attempt); err != nil {
		return err
	}
	if err := tx.completeJob(ctx, job); err != nil {
		return fmt.Errorf("queue: complete %s: %w", job.Args.Delivery, err)
	}
	if err := tx.commit(ctx); err != nil {
		return fmt.Errorf("queue: complete %s: %w", job.Args.Delivery, err)
	}
	return nil
}

var (
	_ execer = (*sql.Tx)(nil)
	_ txn    = (*sqliteTx)(nil)
	_ txn    = (*pgTx)(nil)
)
