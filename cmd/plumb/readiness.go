package main

import (
	"context"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/runner/keptstate"
	"github.com/plumbhq/plumb/s3store"
	"github.com/plumbhq/plumb/server"
	"github.com/plumbhq/plumb/store/postgres"
)

// readyChecks are /readyz's checks beyond the store and queue: the
// artifact bucket, and the --state-url backend, which the engines reach on
// every plan and apply, so a replica that cannot is not ready either.
// done closes what they opened.
func (m *Main) readyChecks(ctx context.Context, a plumb.Artifacts) (checks []server.ReadyCheck, done func(), err error) {
	checks = []server.ReadyCheck{{Name: "artifacts", Check: func(ctx context.Context) error { return ready(ctx, a) }}}
	raw, s3 := m.Artifacts.state()
	w, err := keptstate.Parse(raw, s3, m.Getenv)
	if err != nil {
		return nil, nil, plumb.Errorf(plumb.EINVALID, "--state-url: %s", plumb.ErrorMessage(err))
	}
	switch b := w.Backend(); b.Kind {
	case "pg":
		p, err := postgres.NewPinger(b.URL)
		if err != nil {
			return nil, nil, plumb.Errorf(plumb.EINVALID, "--state-url: %s", plumb.ErrorMessage(err))
		}
		return append(checks, server.ReadyCheck{Name: "state", Check: p.Ping}), p.Close, nil
	case "s3":
		bk, err := s3store.OpenBucket(ctx, s3store.BucketConfig{Bucket: b.Bucket, Endpoint: b.S3.Endpoint,
			PathStyle: b.S3.PathStyle, Region: b.Region, What: "state", Flag: "--state-url"})
		if err != nil {
			return nil, nil, err
		}
		checks = append(checks, server.ReadyCheck{Name: "state", Check: bk.Ready})
	}
	return checks, func() {}, nil
}
