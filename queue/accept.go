package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/riverqueue/river"

	"github.com/plumbhq/plumb"
)

// maxBatch bounds the events one transaction stores.
const maxBatch = 256

// Accept stores ev with its raw payload and queues its processing in the
// same transaction: once it returns nil the event survives a crash. A
// delivery stored before is a duplicate: nothing is written.
//
// Accepts arriving together share a transaction (group commit): each
// commit is an fsync, and SQLite takes one writer at a time, so committing
// them one by one would cap intake at the disk's fsync rate and make
// callers queue on the write lock.
//
// Errors: EINVALID for an event without a delivery ID.
func (q *Queue) Accept(ctx context.Context, ev plumb.Event, payload []byte) (bool, error) {
	if ev.Delivery == "" {
		return false, plumb.Errorf(plumb.EINVALID, "queue: event without a delivery ID")
	}
	if ev.ReceivedAt.IsZero() {
		ev.ReceivedAt = q.cfg.Now()
	}
	evJSON, err := json.Marshal(ev)
	if err != nil {
		return false, fmt.Errorf("queue: accept %s: %w", ev.Delivery, err)
	}
	r := &acceptReq{ev: ev, evJSON: evJSON, payload: payload, wake: make(chan struct{})}
	q.batch.join(r)
	<-r.wake
	if r.leader {
		q.lead(ctx)
	}
	return r.dup, r.err
}

// acceptReq is one Accept waiting for its batch's commit.
type acceptReq struct {
	ev      plumb.Event
	evJSON  []byte
	payload []byte

	wake   chan struct{} // closed once: done, or made leader
	leader bool
	dup    bool
	err    error
}

// batcher collects waiting Accepts. The first caller to find no commit in
// progress becomes the leader and commits what is pending; when it is done
// it hands leadership to the oldest waiter, so no goroutine of its own is
// needed and no caller commits for longer than one batch.
type batcher struct {
	mu         sync.Mutex
	pending    []*acceptReq
	committing bool
}

func (b *batcher) join(r *acceptReq) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.pending = append(b.pending, r)
	if !b.committing {
		b.committing = true
		r.leader = true
		close(r.wake)
	}
}

// lead commits one batch (which holds the leader's own request) and wakes
// the next leader, if anyone is waiting.
func (q *Queue) lead(ctx context.Context) {
	b := &q.batch
	b.mu.Lock()
	n := min(len(b.pending), maxBatch)
	batch := b.pending[:n:n]
	b.pending = b.pending[n:]
	b.mu.Unlock()

	// Wake the batch and the next leader even if the commit panics, or
	// every later Accept would wait forever.
	err := errPanicked
	defer func() {
		for _, r := range batch {
			if err != nil {
				r.err, r.dup = err, false
			}
			if !r.leader {
				close(r.wake)
			}
		}
		b.mu.Lock()
		defer b.mu.Unlock()
		if len(b.pending) == 0 {
			b.committing = false
			return
		}
		next := b.pending[0]
		next.leader = true
		close(next.wake)
	}()
	// The batch serves other callers too: one caller's cancellation must
	// not abort their commit.
	err = q.commitBatch(context.WithoutCancel(ctx), batch)
}

var errPanicked = errors.New("queue: accept: commit panicked")

// commitBatch stores the batch in one transaction: the event rows through
// one statement (prepared once on SQLite, one batch on PostgreSQL), then
// every new event's job in one InsertMany (River's SQLite driver parses a
// statement per call, which dominated the cost of one InsertTx per event). The batch fails or commits as a whole;
// nothing in an event's values can make its row fail alone.
func (q *Queue) commitBatch(ctx context.Context, batch []*acceptReq) error {
	tx, err := q.be.begin(ctx)
	if err != nil {
		return fmt.Errorf("queue: accept: %w", err)
	}
	defer tx.rollback(ctx)
	// Rows in delivery order: two replicas storing the same deliveries
	// at once then lock them in the same order and never deadlock
	// (PostgreSQL locks rows, not the database as SQLite does).
	batch = slices.Clone(batch)
	slices.SortStableFunc(batch, func(a, b *acceptReq) int { return strings.Compare(a.ev.Delivery, b.ev.Delivery) })
	rows := make([][]any, len(batch))
	for i, r := range batch {
		ev := r.ev
		rows[i] = []any{ev.Delivery, string(ev.Kind), ev.Action, ev.Repo, ev.PR, string(r.evJSON), r.payload, formatTime(ev.ReceivedAt), StatusQueued}
	}
	stored, err := tx.execEach(ctx, `INSERT INTO plumb_events (delivery, kind, action, repo, pr, event, payload, received_at, status)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (delivery) DO NOTHING`, rows)
	if err != nil {
		return fmt.Errorf("queue: accept: %w", err)
	}
	jobs := make([]river.InsertManyParams, 0, len(batch))
	for i, r := range batch {
		// A second copy of a delivery in the same batch is a duplicate too:
		// the first one's row is already in this transaction.
		r.dup = stored[i] == 0
		if !r.dup {
			jobs = append(jobs, river.InsertManyParams{Args: EventArgs{Delivery: r.ev.Delivery}, InsertOpts: uniqueByArgs})
		}
	}
	if len(jobs) > 0 {
		if err := tx.insertJobs(ctx, jobs); err != nil {
			return fmt.Errorf("queue: accept: queue jobs: %w", err)
		}
	}
	if err := tx.commit(ctx); err != nil {
		return fmt.Errorf("queue: accept: commit: %w", err)
	}
	return nil
}

// uniqueByArgs makes River itself refuse a second job for a delivery, a
// guard behind plumb_events' primary key.
var uniqueByArgs = &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
