package queue_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/plumbhq/plumb/queue"
)

// Two queues on one database stand for two replicas: a burst of
// deliveries, each arriving at both (GitHub redelivers; a load balancer
// retries), is stored once per delivery and handled exactly once, by
// either.
func TestReplicasHandleEachDeliveryOnce(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, d string) {
		loc := newDB(t, d)
		hs := []*handler{{}, {}}
		replicas := make([]*bundle, len(hs))
		if d == "postgres" {
			// They start together on a fresh database: both migrate it.
			// (Not on SQLite, whose River migrations take no lock: there
			// plumb serve is one process, which the data dir's lock
			// ensures.)
			errs := make([]error, len(hs))
			var start sync.WaitGroup
			for i := range hs {
				start.Go(func() { errs[i] = migrateOnly(t, d, loc) })
			}
			start.Wait()
			for _, err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
		}
		for i, h := range hs {
			replicas[i] = open(t, d, loc, h, nil)
			replicas[i].start(t)
		}
		const n = 40
		var wg sync.WaitGroup
		var mu sync.Mutex
		dups := 0
		for i := range n {
			for _, b := range replicas {
				wg.Go(func() {
					dup, err := b.q.Accept(context.Background(), event(fmt.Sprintf("r%02d", i)), []byte(`{}`))
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
		}
		wg.Wait()
		if dups != n {
			t.Errorf("%d duplicates of %d deliveries sent twice, want %d", dups, n, n)
		}
		for i := range n {
			waitStatus(t, replicas[i%2].q, fmt.Sprintf("r%02d", i), queue.StatusProcessed)
		}
		time.Sleep(200 * time.Millisecond)
		for i := range n {
			d := fmt.Sprintf("r%02d", i)
			if got := hs[0].count(d) + hs[1].count(d); got != 1 {
				t.Errorf("%s handled %d times (%d + %d), want once", d, got, hs[0].count(d), hs[1].count(d))
			}
		}
		counts, err := replicas[0].q.JobCounts(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if counts["completed"] != n {
			t.Errorf("job counts = %v, want %d completed", counts, n)
		}
	})
}

// migrateOnly applies the queue's migrations as `plumb migrate` does.
func migrateOnly(t *testing.T, d, loc string) error {
	var cfg queue.Config
	openDB(t, d, loc, &cfg)
	return queue.Migrate(context.Background(), cfg)
}
