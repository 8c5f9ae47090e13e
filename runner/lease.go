package runner

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/plumbhq/plumb"
)

// leaseConfig is how this runner leases its unfinished runs: every run
// it stores carries a lease (owner, expiry) that KeepLeases renews while
// the process lives. A run whose lease ended belongs to a process that is
// gone, and only such runs are recovered (RecoverInterrupted): never a
// live replica's.
type leaseConfig struct {
	owner        string
	ttl, renewal time.Duration
	// rescue hands the queue's jobs of recovered runs to other replicas
	// (RescueJobsWith); nil leaves them to the queue's own rescue.
	rescue func(ctx context.Context, jobs []string) (int, error)
}

func newLeaseConfig(cfg Config) leaseConfig {
	l := leaseConfig{owner: cfg.Replica, ttl: cfg.LeaseTTL, renewal: cfg.LeaseRenew}
	if l.owner == "" {
		host, _ := os.Hostname()
		l.owner = fmt.Sprintf("%s/%d/%s", host, os.Getpid(), rand.Text()[:8])
	}
	if l.ttl <= 0 {
		l.ttl = 45 * time.Second
	}
	if l.renewal <= 0 {
		l.renewal = 10 * time.Second
	}
	l.renewal = min(l.renewal, l.ttl/2) // a renewal may fail once and the lease hold
	return l
}

// Replica is the owner of this runner's leases.
func (r *Runner) Replica() string { return r.lease.owner }

// newLease is a new run's lease, naming the queue job ctx runs for.
func (r *Runner) newLease(ctx context.Context) plumb.RunLease {
	return plumb.RunLease{Owner: r.lease.owner, Expires: r.now().UTC().Add(r.lease.ttl), Job: plumb.JobFrom(ctx)}
}

// RescueJobsWith makes RecoverInterrupted hand to rescue, once the runs
// are marked, the queue jobs they were made for: retried elsewhere now,
// they find the interruption recorded. Call it before KeepLeases.
func (r *Runner) RescueJobsWith(rescue func(ctx context.Context, jobs []string) (int, error)) {
	r.lease.rescue = rescue
}

// errLeaseLost stops what follows a run another process took over.
var errLeaseLost = errors.New("a run was taken over by another replica (its lease expired): this replica stops")

// takenOver returns, when another process recovered a run this runner
// made (UpdateRun refused this runner's writes), the run it recorded.
func (r *Runner) takenOver(ctx context.Context, run *plumb.Run) (*plumb.Run, bool) {
	if run == nil || run.ID == "" || run.Lease.Owner != r.lease.owner {
		return nil, false
	}
	cur, err := r.store.Run(context.WithoutCancel(ctx), run.ID)
	return cur, err == nil && cur.Lease.Owner != run.Lease.Owner
}

// KeepLeases renews this runner's leases until ctx ends; with recover it
// also marks interrupted, each time, the runs whose lease expired (see
// RecoverInterrupted), so a replica that died is noticed by the others
// within a lease and a renewal.
func (r *Runner) KeepLeases(ctx context.Context, recover bool) {
	t := time.NewTicker(r.lease.renewal)
	defer t.Stop()
	// At once too: runs left by a replica that died before this one
	// started are as overdue as any.
	for first := true; ; first = false {
		if !first {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
		if _, err := r.store.RenewRunLeases(ctx, r.lease.owner, r.newLease(ctx).Expires); err != nil && ctx.Err() == nil {
			r.logger.Error("renew run leases", "replica", r.lease.owner, "err", err)
		}
		if !recover {
			continue
		}
		if n, err := r.RecoverInterrupted(ctx, false); err != nil && ctx.Err() == nil {
			r.logger.Error("recover interrupted runs", "err", err)
		} else if n > 0 {
			r.logger.Warn("runs whose replica is gone (lease expired) marked interrupted", "runs", n)
		}
	}
}
