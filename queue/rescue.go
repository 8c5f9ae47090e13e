package queue

import (
	"context"
	"fmt"
	"strconv"

	"github.com/plumbhq/plumb"
)

// jobRef is the id of a River job as handlers see it (plumb.JobFrom) and
// runs record it (plumb.RunLease.Job).
func jobRef(id int64) string { return strconv.FormatInt(id, 10) }

// working marks job id as running in this process until the returned
// func is called, with its ref in ctx for the runs it makes.
func (q *Queue) working(ctx context.Context, id int64) (context.Context, func()) {
	q.mu.Lock()
	if q.here == nil {
		q.here = map[int64]bool{}
	}
	q.here[id] = true
	q.mu.Unlock()
	return plumb.WithJob(ctx, jobRef(id)), func() {
		q.mu.Lock()
		delete(q.here, id)
		q.mu.Unlock()
	}
}

// rescueSQL are Rescue's statements, $1 the job id; the first two also
// take the event's status ($2) and error ($3).
type rescueSQL struct{ failEvent, requeueEvent, discard, release string }

var (
	sqliteRescue = rescueSQL{
		failEvent: `UPDATE plumb_events SET status = $2, error = $3 WHERE status = 'running' AND delivery IN
			(SELECT json_extract(args, '$.delivery') FROM river_job WHERE id = $1 AND kind = 'plumb_event' AND state = 'running' AND attempt >= max_attempts)`,
		requeueEvent: `UPDATE plumb_events SET status = $2, error = $3 WHERE status = 'running' AND delivery IN
			(SELECT json_extract(args, '$.delivery') FROM river_job WHERE id = $1 AND kind = 'plumb_event' AND state = 'running' AND attempt < max_attempts)`,
		discard: `UPDATE river_job SET state = 'discarded', finalized_at = datetime('now', 'subsec')
			WHERE id = $1 AND state = 'running' AND attempt >= max_attempts`,
		release: `UPDATE river_job SET state = 'available', scheduled_at = datetime('now', 'subsec') WHERE id = $1 AND state = 'running'`,
	}
	postgresRescue = rescueSQL{
		failEvent: `UPDATE plumb_events SET status = $2, error = $3 WHERE status = 'running' AND delivery IN
			(SELECT args->>'delivery' FROM river_job WHERE id = $1 AND kind = 'plumb_event' AND state = 'running' AND attempt >= max_attempts)`,
		requeueEvent: `UPDATE plumb_events SET status = $2, error = $3 WHERE status = 'running' AND delivery IN
			(SELECT args->>'delivery' FROM river_job WHERE id = $1 AND kind = 'plumb_event' AND state = 'running' AND attempt < max_attempts)`,
		discard: `UPDATE river_job SET state = 'discarded', finalized_at = now()
			WHERE id = $1 AND state = 'running' AND attempt >= max_attempts`,
		release: `UPDATE river_job SET state = 'available', scheduled_at = now() WHERE id = $1 AND state = 'running'`,
	}
)

// Rescue puts back in line, at once, the jobs named (plumb.JobFrom refs)
// that are still running but not in this process: their replica is gone
// (the runs they made lost their lease), so waiting for
// RescueStuckJobsAfter would only delay their retry on another replica.
// As at a restart, the interrupted attempt counts: a job with none left
// is discarded and its event marked failed. It returns how many jobs went
// back in line. Replicas rescuing the same job at once are harmless: only
// a running job is changed.
func (q *Queue) Rescue(ctx context.Context, jobs []string) (int, error) {
	st := sqliteRescue
	if q.cfg.Pool != nil {
		st = postgresRescue
	}
	tx, err := q.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("queue: rescue: %w", err)
	}
	defer tx.Rollback()
	const why = "interrupted: the replica handling this event is gone (its runs' lease expired)"
	n := 0
	for _, ref := range jobs {
		id, err := strconv.ParseInt(ref, 10, 64)
		if err != nil {
			continue // not one of this queue's jobs
		}
		q.mu.Lock()
		here := q.here[id]
		q.mu.Unlock()
		if here {
			continue // alive here: its runs' fencing stops it
		}
		if _, err := tx.ExecContext(ctx, st.failEvent, id, StatusFailed, why+"; no attempts left"); err != nil {
			return 0, fmt.Errorf("queue: rescue job %d: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, st.requeueEvent, id, StatusQueued, why+"; queued again"); err != nil {
			return 0, fmt.Errorf("queue: rescue job %d: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, st.discard, id); err != nil {
			return 0, fmt.Errorf("queue: rescue job %d: %w", id, err)
		}
		res, err := tx.ExecContext(ctx, st.release, id)
		if err != nil {
			return 0, fmt.Errorf("queue: rescue job %d: %w", id, err)
		}
		if m, _ := res.RowsAffected(); m > 0 {
			n++
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("queue: rescue: %w", err)
	}
	if n > 0 {
		q.log.Warn("queue: jobs of a replica that is gone queued again", "jobs", n)
	}
	return n, nil
}
