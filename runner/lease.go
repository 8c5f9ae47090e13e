package runner

import (
	"context"
	"crypto/rand"
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

func (r *Runner) newLease() plumb.RunLease {
	return plumb.RunLease{Owner: r.lease.owner, Expires: r.now().UTC().Add(r.lease.ttl)}
}

// KeepLeases renews this runner's leases until ctx ends; with recover it
// also marks interrupted, each time, the runs whose lease expired (see
// RecoverInterrupted), so a replica that died is noticed by the others
// within a lease and a renewal.
func (r *Runner) KeepLeases(ctx context.Context, recover bool) {
	t := time.NewTicker(r.lease.renewal)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := r.store.RenewRunLeases(ctx, r.lease.owner, r.newLease().Expires); err != nil && ctx.Err() == nil {
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
