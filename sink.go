package plumb

import (
	"context"
	"time"
)

// EventSink takes verified webhook deliveries from the server. Accept
// stores the event and queues its processing in one transaction, so an
// accepted event survives a crash; it reports a delivery seen before as a
// duplicate and stores nothing.
type EventSink interface {
	Accept(ctx context.Context, ev Event, payload []byte) (duplicate bool, err error)
}

// EventHandler processes one stored event, from a queue worker. Its error
// decides what the queue does: ECONFLICT (a lock is held) tries again
// later, EINVALID and ENOTFOUND give up and keep the record, anything else
// retries with backoff.
type EventHandler interface {
	HandleEvent(ctx context.Context, ev Event) error
}

// Job is durable background work of a named kind other than an inbound
// event (a scheduled drift sweep, a follow-up of a job): the queue runs
// it with the JobHandler registered for its Kind, at RunAt or at once,
// and with the same error rules as events. Jobs with the same Kind and
// Key are one job: enqueueing it again while it waits, runs or is kept
// as completed does nothing.
type Job struct {
	Kind  string    `json:"kind"`
	Key   string    `json:"key,omitempty"`
	Args  []byte    `json:"args,omitempty"` // JSON, the handler's to read
	RunAt time.Time `json:"run_at,omitzero"`
}

// JobHandler runs one kind of Job; its error decides what the queue does,
// as EventHandler's does.
type JobHandler interface {
	HandleJob(ctx context.Context, j Job) error
}

type jobKey struct{}

// WithJob returns ctx carrying the id of the queue job it works for: runs
// made under it record it (RunLease.Job), so that the job is handed to
// another replica as soon as they are recovered.
func WithJob(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, jobKey{}, id)
}

// JobFrom is the job id WithJob put in ctx, or "".
func JobFrom(ctx context.Context) string {
	id, _ := ctx.Value(jobKey{}).(string)
	return id
}
