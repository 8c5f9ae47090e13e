package queue

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/riverqueue/river"

	"github.com/plumbhq/plumb"
)

// JobArgs is the River job of a typed plumb.Job. Type and Key make it
// unique, so a job enqueued twice (two replicas, a restart catching up a
// schedule) runs once.
type JobArgs struct {
	Type string          `json:"type" river:"unique"`
	Key  string          `json:"key,omitempty" river:"unique"`
	Args json.RawMessage `json:"args,omitempty"`
}

// Kind names the job kind in river_job; Type tells plumb's kinds apart.
func (JobArgs) Kind() string { return "plumb_job" }

// Enqueue stores j for its kind's handler. A job with the same Kind and
// Key already waiting, running or completed (while River keeps it) is not
// added again; duplicate says so.
//
// Errors: EINVALID for a kind without a handler or Args that are not JSON.
func (q *Queue) Enqueue(ctx context.Context, j plumb.Job) (duplicate bool, err error) {
	if _, ok := q.cfg.Jobs[j.Kind]; !ok {
		return false, plumb.Errorf(plumb.EINVALID, "queue: no handler for jobs of kind %q", j.Kind)
	}
	args := JobArgs{Type: j.Kind, Key: j.Key}
	if len(j.Args) > 0 {
		if !json.Valid(j.Args) {
			return false, plumb.Errorf(plumb.EINVALID, "queue: job %s/%s: args are not JSON", j.Kind, j.Key)
		}
		args.Args = j.Args
	}
	opts := &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
	if _, ok := q.cfg.JobWorkers[j.Kind]; ok {
		opts.Queue = jobQueue(j.Kind)
	}
	if !j.RunAt.IsZero() {
		opts.ScheduledAt = j.RunAt
	}
	res, err := q.client.Insert(ctx, args, opts)
	if err != nil {
		return false, fmt.Errorf("queue: enqueue %s/%s: %w", j.Kind, j.Key, err)
	}
	return res.UniqueSkippedAsDuplicate, nil
}

// jobWorker runs typed jobs with the handler of their kind, mapping its
// error as the event worker does (ECONFLICT snoozes, EINVALID/ENOTFOUND/
// EUNAUTHORIZED cancel, anything else retries).
type jobWorker struct {
	river.WorkerDefaults[JobArgs]
	q *Queue
}

func (w *jobWorker) Work(ctx context.Context, job *river.Job[JobArgs]) error {
	q := w.q
	log := q.log.With("job", job.ID, "kind", job.Args.Type, "key", job.Args.Key, "attempt", job.Attempt)
	h, ok := q.cfg.Jobs[job.Args.Type]
	if !ok {
		log.Error("queue: job of a kind no handler takes")
		return river.JobCancel(fmt.Errorf("no handler for jobs of kind %q", job.Args.Type))
	}
	hctx, done := q.working(ctx, job.ID)
	err := h.HandleJob(hctx, plumb.Job{Kind: job.Args.Type, Key: job.Args.Key, Args: compact(job.Args.Args)})
	done()
	if err == nil {
		return nil
	}
	msg := q.cfg.Redact(err.Error())
	switch plumb.ErrorCode(err) {
	case plumb.ECONFLICT:
		log.Info("queue: job waits", "reason", msg, "retry_in", q.cfg.ConflictSnooze)
		return river.JobSnooze(q.cfg.ConflictSnooze)
	case plumb.EINVALID, plumb.ENOTFOUND, plumb.EUNAUTHORIZED:
		log.Warn("queue: job failed", "error", msg)
		return river.JobCancel(err)
	}
	log.Warn("queue: job failed, will retry", "error", msg)
	return err
}

// compact gives a job's Args alike on every database: PostgreSQL keeps
// River's args as jsonb, which re-spaces them (and orders their keys).
func compact(args json.RawMessage) json.RawMessage {
	var b bytes.Buffer
	if len(args) == 0 || json.Compact(&b, args) != nil {
		return args
	}
	return b.Bytes()
}

// Repos lists every repository the queue has received an event for, with
// the clone URL and default branch its latest event gave, by name.
func (q *Queue) Repos(ctx context.Context) ([]plumb.Repository, error) {
	rows, err := q.db.QueryContext(ctx, q.sql.repos)
	if err != nil {
		return nil, fmt.Errorf("queue: repos: %w", err)
	}
	defer rows.Close()
	var out []plumb.Repository
	for rows.Next() {
		var r plumb.Repository
		var clone, branch sql.NullString
		if err := rows.Scan(&r.FullName, &clone, &branch); err != nil {
			return nil, fmt.Errorf("queue: repos: %w", err)
		}
		r.CloneURL, r.DefaultBranch = clone.String, branch.String
		out = append(out, r)
	}
	return out, rows.Err()
}

// Wake makes the events of pull request pr of repo that wait for a lock
// (snoozed after ECONFLICT) due now: a lock they wait for was released,
// so waiting out the rest of their snooze would only add latency.
func (q *Queue) Wake(ctx context.Context, repo string, pr int) error {
	_, err := q.db.ExecContext(ctx, q.sql.wake, repo, pr, StatusWaiting)
	if err != nil {
		return fmt.Errorf("queue: wake %s#%d: %w", repo, pr, err)
	}
	return nil
}
