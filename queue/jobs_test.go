package queue_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/queue"
)

// jobHandler records typed jobs and answers with fn's error.
type jobHandler struct {
	mu   sync.Mutex
	seen []plumb.Job
	fn   func(j plumb.Job, call int) error
}

func (h *jobHandler) HandleJob(_ context.Context, j plumb.Job) error {
	h.mu.Lock()
	h.seen = append(h.seen, j)
	n, fn := len(h.seen), h.fn
	h.mu.Unlock()
	if fn == nil {
		return nil
	}
	return fn(j, n)
}

func (h *jobHandler) calls() []plumb.Job {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]plumb.Job(nil), h.seen...)
}

func waitCalls(t *testing.T, h *jobHandler, n int) []plumb.Job {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if got := h.calls(); len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d job calls, want %d", len(h.calls()), n)
		}
	}
}

func TestTypedJobRunsOnceByKindAndKey(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, d string) {
		jh := &jobHandler{}
		b := setup(t, d, &handler{}, func(c *queue.Config) { c.Jobs = map[string]plumb.JobHandler{"drift_tick": jh} })
		ctx := context.Background()
		job := plumb.Job{Kind: "drift_tick", Key: "acme/infra@2026-12-01T03:00", Args: []byte(`{"repo":"acme/infra"}`)}
		if dup, err := b.q.Enqueue(ctx, job); err != nil || dup {
			t.Fatalf("enqueue: dup %v, %v", dup, err)
		}
		// Two replicas (or a restart catching up) enqueue the same tick: one job.
		if dup, err := b.q.Enqueue(ctx, job); err != nil || !dup {
			t.Fatalf("enqueue again: dup %v, %v; want a duplicate", dup, err)
		}
		other := job
		other.Key = "acme/infra@2026-12-01T04:00"
		if dup, err := b.q.Enqueue(ctx, other); err != nil || dup {
			t.Fatalf("another key: dup %v, %v", dup, err)
		}
		b.start(t)
		got := waitCalls(t, jh, 2)
		time.Sleep(100 * time.Millisecond)
		if n := len(jh.calls()); n != 2 {
			t.Fatalf("%d calls, want 2: %+v", n, jh.calls())
		}
		if got[0].Kind != "drift_tick" || string(got[0].Args) != `{"repo":"acme/infra"}` {
			t.Errorf("job as handled: %+v", got[0])
		}
		// Completed jobs still count while River keeps them.
		if dup, err := b.q.Enqueue(ctx, job); err != nil || !dup {
			t.Errorf("enqueue of a completed job: dup %v, %v; want a duplicate", dup, err)
		}
	})
}

func TestTypedJobErrors(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, d string) {
		jh := &jobHandler{fn: func(_ plumb.Job, call int) error {
			if call == 1 {
				return plumb.Errorf(plumb.ECONFLICT, "locked") // snoozed, tried again
			}
			return nil
		}}
		b := setup(t, d, &handler{}, func(c *queue.Config) { c.Jobs = map[string]plumb.JobHandler{"k": jh} })
		ctx := context.Background()
		if _, err := b.q.Enqueue(ctx, plumb.Job{Kind: "nope"}); plumb.ErrorCode(err) != plumb.EINVALID {
			t.Errorf("a kind without a handler: %v, want EINVALID", err)
		}
		if _, err := b.q.Enqueue(ctx, plumb.Job{Kind: "k", Args: []byte("{")}); plumb.ErrorCode(err) != plumb.EINVALID {
			t.Errorf("args that are not JSON: %v, want EINVALID", err)
		}
		if _, err := b.q.Enqueue(ctx, plumb.Job{Kind: "k", Key: "1"}); err != nil {
			t.Fatal(err)
		}
		b.start(t)
		waitCalls(t, jh, 2)
	})
}

// A released lock wakes the events waiting for it at once, instead of at
// the end of their snooze.
func TestWakeEndsTheSnoozeOfWaitingEvents(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, d string) {
		h := &handler{fn: func(_ plumb.Event, call int) error {
			if call == 1 {
				return plumb.Errorf(plumb.ECONFLICT, "locked by PR #6")
			}
			return nil
		}}
		b := setup(t, d, h, func(c *queue.Config) { c.ConflictSnooze = time.Hour })
		accept(t, b.q, "w1")
		b.start(t)
		waitStatus(t, b.q, "w1", queue.StatusWaiting)
		// The event row says waiting just before River records the snooze: a
		// release in between finds nothing to wake (the waiter then retries
		// after its snooze, as without Wake). Wait for the snooze itself.
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			var state string
			if err := b.db.QueryRow(`SELECT state FROM river_job WHERE kind = 'plumb_event'`).Scan(&state); err != nil {
				t.Fatal(err)
			}
			if state == "scheduled" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the waiting event's job is %s, not snoozed", state)
			}
		}
		// Another pull request's events are not woken.
		if err := b.q.Wake(context.Background(), "acme/infra", 8); err != nil {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond)
		if n := h.count("w1"); n != 1 {
			t.Fatalf("woken by another pull request's release: %d calls", n)
		}
		if err := b.q.Wake(context.Background(), "acme/infra", 7); err != nil {
			t.Fatal(err)
		}
		waitStatus(t, b.q, "w1", queue.StatusProcessed)
	})
}

// Repos lists each repository events came for once, with what its latest
// event says of it.
func TestReposFromEvents(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, d string) {
		b := setup(t, d, &handler{}, nil)
		ctx := context.Background()
		evs := []plumb.Event{
			{Delivery: "a", Kind: plumb.EventPush, Repo: "acme/infra", CloneURL: "https://old/acme/infra.git", DefaultBranch: "master", ReceivedAt: time.Now().Add(-time.Hour)},
			{Delivery: "b", Kind: plumb.EventPush, Repo: "acme/infra", CloneURL: "https://gh/acme/infra.git", DefaultBranch: "main", ReceivedAt: time.Now()},
			{Delivery: "c", Kind: plumb.EventPullRequest, Repo: "acme/apps", PR: 3, CloneURL: "https://gh/acme/apps.git", DefaultBranch: "trunk", ReceivedAt: time.Now()},
		}
		for _, ev := range evs {
			if _, err := b.q.Accept(ctx, ev, nil); err != nil {
				t.Fatal(err)
			}
		}
		got, err := b.q.Repos(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []plumb.Repository{
			{FullName: "acme/apps", CloneURL: "https://gh/acme/apps.git", DefaultBranch: "trunk"},
			{FullName: "acme/infra", CloneURL: "https://gh/acme/infra.git", DefaultBranch: "main"},
		}
		if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
			t.Errorf("repos = %+v, want %+v", got, want)
		}
	})
}

// A kind with workers of its own runs on them: a slow drift check never
// holds the workers events need.
func TestJobWorkersApart(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, d string) {
		release := make(chan struct{})
		slow := &jobHandler{fn: func(plumb.Job, int) error { <-release; return nil }}
		h := &handler{}
		b := setup(t, d, h, func(c *queue.Config) {
			c.MaxWorkers = 1
			c.Jobs = map[string]plumb.JobHandler{"drift_check": slow}
			c.JobWorkers = map[string]int{"drift_check": 1}
		})
		b.start(t)
		defer close(release)
		ctx := context.Background()
		for i, key := range []string{"p1", "p2"} {
			if _, err := b.q.Enqueue(ctx, plumb.Job{Kind: "drift_check", Key: key}); err != nil {
				t.Fatal(i, err)
			}
		}
		waitCalls(t, slow, 1)
		// The drift pool (one worker) is busy; an event still runs at once.
		if _, err := b.q.Accept(ctx, event("e1"), nil); err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(10 * time.Second); h.count("e1") == 0; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("an event waited behind a drift check")
			}
		}
		if n := len(slow.calls()); n != 1 {
			t.Errorf("%d drift checks running on a pool of one", n)
		}
	})
}
