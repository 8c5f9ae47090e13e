package queue_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/queue"
)

// Two queues on one database stand for two replicas, one of which is
// gone mid-event (its handler never returns, as under kill -9): Rescue of
// the job the event's runs recorded hands it to the other at once, not
// after RescueStuckJobsAfter (an hour here), as attempt 2. A queue does
// not rescue a job it is running itself, nor one that is no longer running.
func TestRescueHandsAGoneReplicasJobToAnother(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, d string) {
		loc := newDB(t, d)
		jobs := make(chan string, 2)
		release := make(chan struct{})
		hang := handlerFunc(func(ctx context.Context, _ plumb.Event) error {
			jobs <- plumb.JobFrom(ctx)
			<-release
			return errors.New("released")
		})
		gone := open(t, d, loc, hang, func(c *queue.Config) {
			c.MaxWorkers, c.JobTimeout, c.RescueStuckJobsAfter = 1, time.Hour, 2*time.Hour
		})
		gone.start(t)
		t.Cleanup(func() { close(release) }) // before Stop: cleanups run last first
		accept(t, gone.q, "d1")
		var job string
		select {
		case job = <-jobs:
		case <-time.After(time.Minute):
			t.Fatal("the event never started")
		}
		if job == "" {
			t.Fatal("the handler's ctx names no job")
		}
		if n, err := gone.q.Rescue(t.Context(), []string{job}); err != nil || n != 0 {
			t.Fatalf("the queue running the job rescued it: %d, %v", n, err)
		}

		live := &handler{}
		other := open(t, d, loc, live, nil)
		other.start(t)
		time.Sleep(300 * time.Millisecond)
		if live.count("d1") != 0 {
			t.Fatal("the other replica took a running job before any rescue")
		}
		n, err := other.q.Rescue(t.Context(), []string{job, "not-a-job", "999999"})
		if err != nil || n != 1 {
			t.Fatalf("Rescue = %d, %v; want the one running job", n, err)
		}
		rec := waitStatus(t, other.q, "d1", queue.StatusProcessed)
		if rec.Attempts != 2 || live.count("d1") != 1 {
			t.Errorf("after the rescue: %d attempts, handled %d times by the other replica; want attempt 2, once", rec.Attempts, live.count("d1"))
		}
		if n, err := other.q.Rescue(t.Context(), []string{job}); err != nil || n != 0 {
			t.Errorf("a finished job rescued again: %d, %v", n, err)
		}
	})
}

type handlerFunc func(ctx context.Context, ev plumb.Event) error

func (f handlerFunc) HandleEvent(ctx context.Context, ev plumb.Event) error { return f(ctx, ev) }

// A handler still running when the drain ends is cancelled, and its event
// is recorded as retrying with why, not left "running": the cancelled
// context must not stop that write.
func TestDrainRecordsACancelledEvent(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, d string) {
		started := make(chan struct{}, 1)
		b := setup(t, d, handlerFunc(func(ctx context.Context, ev plumb.Event) error {
			started <- struct{}{}
			<-ctx.Done() // a plan longer than the drain
			return ctx.Err()
		}), nil)
		accept(t, b.q, "d1")
		if err := b.q.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		<-started
		drain, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		if err := b.q.Stop(drain); err != nil {
			t.Fatal(err)
		}
		rec, err := b.q.Event(context.Background(), "d1")
		if err != nil {
			t.Fatal(err)
		}
		if rec.Status != queue.StatusRetrying || !strings.Contains(rec.Error, "canceled") {
			t.Errorf("after the drain: %s (%q), want retrying with why", rec.Status, rec.Error)
		}
	})
}
