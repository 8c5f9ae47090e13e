package queue_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/queue"
)

// handler records every event it is given and answers with fn's error.
type handler struct {
	mu    sync.Mutex
	calls map[string]int
	fn    func(ev plumb.Event, call int) error
}

func (h *handler) HandleEvent(ctx context.Context, ev plumb.Event) error {
	h.mu.Lock()
	if h.calls == nil {
		h.calls = map[string]int{}
	}
	h.calls[ev.Delivery]++
	n := h.calls[ev.Delivery]
	fn := h.fn
	h.mu.Unlock()
	if fn == nil {
		return nil
	}
	return fn(ev, n)
}

func (h *handler) count(d string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.calls[d]
}

type bundle struct {
	loc string // the database: a file path or a URL
	db  *sql.DB
	q   *queue.Queue
}

// setup makes a fresh database of kind d (see dbs) and a queue on it,
// with short polls so tests stay fast. It does not start the queue.
func setup(t testing.TB, d string, h plumb.EventHandler, mod func(*queue.Config)) *bundle {
	t.Helper()
	return open(t, d, newDB(t, d), h, mod)
}

// open makes a queue on the database of kind d at loc.
func open(t testing.TB, d, loc string, h plumb.EventHandler, mod func(*queue.Config)) *bundle {
	t.Helper()
	ctx := context.Background()
	cfg := queue.Config{
		Handler:           h,
		Logger:            slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
		FetchPollInterval: 20 * time.Millisecond,
		ConflictSnooze:    50 * time.Millisecond,
	}
	db := openDB(t, d, loc, &cfg)
	if mod != nil {
		mod(&cfg)
	}
	q, err := queue.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &bundle{loc: loc, db: db, q: q}
}

func (b *bundle) start(t *testing.T) {
	t.Helper()
	if err := b.q.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := b.q.Stop(ctx); err != nil {
			t.Error(err)
		}
	})
}

func event(d string) plumb.Event {
	return plumb.Event{Delivery: d, Kind: plumb.EventPullRequest, Action: "opened", Repo: "acme/infra", PR: 7}
}

// waitStatus polls the event row until it has status (or fails the test).
func waitStatus(t *testing.T, q *queue.Queue, d, status string) queue.Record {
	t.Helper()
	// Generous: a loaded machine (make test runs packages in parallel) can
	// take seconds to pick up River's next fetch; a pass takes milliseconds.
	deadline := time.Now().Add(60 * time.Second)
	for {
		r, err := q.Event(context.Background(), d)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status == status {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("event %s: status %q (error %q), want %q", d, r.Status, r.Error, status)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func accept(t *testing.T, q *queue.Queue, d string) bool {
	t.Helper()
	dup, err := q.Accept(context.Background(), event(d), []byte(`{"n":1}`))
	if err != nil {
		t.Fatal(err)
	}
	return dup
}

func TestAcceptHandledOnce(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, d string) {
		h := &handler{}
		b := setup(t, d, h, nil)
		if accept(t, b.q, "d1") {
			t.Fatal("first accept reported a duplicate")
		}
		b.start(t)
		r := waitStatus(t, b.q, "d1", queue.StatusProcessed)
		if r.Event.Repo != "acme/infra" || r.Event.PR != 7 || r.ProcessedAt.IsZero() || r.Attempts != 1 {
			t.Errorf("record = %+v", r)
		}
		time.Sleep(100 * time.Millisecond)
		if n := h.count("d1"); n != 1 {
			t.Errorf("handled %d times, want 1", n)
		}
		counts, err := b.q.JobCounts(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if counts["completed"] != 1 || counts["available"] != 0 {
			t.Errorf("job counts = %v", counts)
		}
		if err := b.q.Ready(t.Context()); err != nil {
			t.Errorf("Ready: %v", err)
		}
	})
}

func TestDuplicateNotQueuedTwice(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, d string) {
		h := &handler{}
		b := setup(t, d, h, nil)
		accept(t, b.q, "d1")
		if !accept(t, b.q, "d1") {
			t.Fatal("second accept of d1 was not a duplicate")
		}
		counts, err := b.q.JobCounts(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if counts["available"] != 1 {
			t.Fatalf("jobs = %v, want one available", counts)
		}
		b.start(t)
		waitStatus(t, b.q, "d1", queue.StatusProcessed)
		if accept(t, b.q, "d1") != true {
			t.Error("accept after processing was not a duplicate")
		}
		time.Sleep(100 * time.Millisecond)
		if n := h.count("d1"); n != 1 {
			t.Errorf("handled %d times, want 1", n)
		}
	})
}

func TestConflictRetriedLater(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, d string) {
		h := &handler{fn: func(ev plumb.Event, call int) error {
			if call == 1 {
				return plumb.Errorf(plumb.ECONFLICT, "project app-dev is locked by PR #3")
			}
			return nil
		}}
		b := setup(t, d, h, nil)
		accept(t, b.q, "d1")
		b.start(t)
		waitStatus(t, b.q, "d1", queue.StatusProcessed)
		if n := h.count("d1"); n != 2 {
			t.Errorf("handled %d times, want 2 (conflict, then success)", n)
		}
	})
}

func TestInvalidFailsWithMessage(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, d string) {
		h := &handler{fn: func(plumb.Event, int) error {
			return plumb.Errorf(plumb.EINVALID, "plumb.yaml: project app: dir envs/app does not exist")
		}}
		b := setup(t, d, h, nil)
		accept(t, b.q, "d1")
		b.start(t)
		r := waitStatus(t, b.q, "d1", queue.StatusFailed)
		if r.Error != "plumb.yaml: project app: dir envs/app does not exist" {
			t.Errorf("error = %q", r.Error)
		}
		time.Sleep(100 * time.Millisecond)
		if n := h.count("d1"); n != 1 {
			t.Errorf("handled %d times, want 1 (cancelled, not retried)", n)
		}
	})
}

func TestInternalErrorFailsAfterAttempts(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, d string) {
		h := &handler{fn: func(plumb.Event, int) error { return fmt.Errorf("clone: connection refused (token s3cret)") }}
		b := setup(t, d, h, func(c *queue.Config) {
			c.MaxAttempts = 1
			c.Redact = func(s string) string { return strings.ReplaceAll(s, "s3cret", "***") }
		})
		accept(t, b.q, "d1")
		b.start(t)
		r := waitStatus(t, b.q, "d1", queue.StatusFailed)
		if r.Error != "clone: connection refused (token ***)" {
			t.Errorf("error = %q, want the redacted message", r.Error)
		}
	})
}

func TestRejectsTimeoutsThatRescueLiveRuns(t *testing.T) {
	t.Parallel()
	cfg := queue.Config{Handler: &handler{}, JobTimeout: time.Hour, RescueStuckJobsAfter: time.Minute}
	openDB(t, "sqlite", newDB(t, "sqlite"), &cfg)
	if _, err := queue.New(t.Context(), cfg); plumb.ErrorCode(err) != plumb.EINVALID {
		t.Errorf("err = %v, want EINVALID", err)
	}
}

func TestAcceptWithoutDelivery(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, d string) {
		b := setup(t, d, &handler{}, nil)
		if _, err := b.q.Accept(t.Context(), plumb.Event{Kind: plumb.EventPush}, nil); plumb.ErrorCode(err) != plumb.EINVALID {
			t.Errorf("err = %v, want EINVALID", err)
		}
	})
}

func TestConcurrentAcceptsShareCommits(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, d string) {
		b := setup(t, d, &handler{}, nil)
		var wg sync.WaitGroup
		var mu sync.Mutex
		dups := 0
		for i := range 60 {
			wg.Go(func() {
				// Each delivery arrives twice, at once.
				dup, err := b.q.Accept(context.Background(), event(fmt.Sprintf("c%d", i/2)), nil)
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				if dup {
					dups++
				}
				mu.Unlock()
			})
		}
		wg.Wait()
		counts, err := b.q.JobCounts(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if dups != 30 || counts["available"] != 30 {
			t.Errorf("dups = %d, jobs = %v; want 30 duplicates and 30 jobs", dups, counts)
		}
	})
}
