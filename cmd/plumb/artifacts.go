package main

import (
	"cmp"
	"context"
	"strings"

	"github.com/spf13/pflag"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/runner/keptstate"
	"github.com/plumbhq/plumb/s3store"
)

// artifactFlags say where what replicas share lives: run files on S3, and
// the state of projects without a backend (global flags: serve and the
// verbs that plan or apply take them).
type artifactFlags struct {
	s3store.Flags
	StateURL   string // --state-url: runner.Config.StateURL
	StateDBURL string // --state-database-url: its first, postgres-only name
}

// artifactFileKeys are these flags' names, which a serve --config file may set.
var artifactFileKeys = []string{"artifacts", "artifacts-encryption-key", "s3-endpoint", "s3-path-style", "state-url", "state-database-url"}

func (a *artifactFlags) flags(fs *pflag.FlagSet) {
	fs.StringVar(&a.URL, "artifacts", "", "s3://bucket/prefix where saved plans and their text are shared by every replica (default: the data dir only)")
	fs.StringVar(&a.Key, "artifacts-encryption-key", "", "key (32 bytes, base64 or hex: openssl rand -base64 32) that seals every object in --artifacts; better set as PLUMB_ARTIFACTS_ENCRYPTION_KEY")
	fs.StringVar(&a.Endpoint, "s3-endpoint", "", "base URL of an S3-compatible server for --artifacts and an s3:// --state-url (default: AWS)")
	fs.BoolVar(&a.PathStyle, "s3-path-style", false, "address the bucket as endpoint/bucket, as most S3-compatible servers want")
	fs.StringVar(&a.StateURL, "state-url", "", "where projects without a backend keep their state, shared by every replica, in the engine's own backend: postgres://… (pg; a least-privileged role of its own: plans can read it) or s3://bucket/prefix (s3, locked with use_lockfile; needs engines 1.10+) (default: the data dir; see plumb state migrate)")
	fs.StringVar(&a.StateDBURL, "state-database-url", "", "the same as --state-url postgres://…")
}

// state is the --state-url in effect and how to reach an s3:// one.
func (a *artifactFlags) state() (string, keptstate.S3) {
	return cmp.Or(a.StateURL, a.StateDBURL), keptstate.S3{Endpoint: a.Endpoint, PathStyle: a.PathStyle}
}

// openArtifacts opens --artifacts, or returns nil without it. The key is
// one of plumb's credentials (plumbCredentials): redacted, and kept from
// the engines. It checks the state flags too, which go with it.
func (m *Main) openArtifacts(ctx context.Context, check bool) (plumb.Artifacts, error) {
	a := m.Artifacts
	if a.StateURL != "" && a.StateDBURL != "" {
		return nil, plumb.Errorf(plumb.EINVALID, "give --state-url or --state-database-url, not both")
	}
	if u := a.StateDBURL; u != "" && !strings.HasPrefix(u, "postgres://") && !strings.HasPrefix(u, "postgresql://") {
		return nil, plumb.Errorf(plumb.EINVALID, "--state-database-url: want postgres://… (an s3:// URL goes in --state-url)")
	}
	f := a.Flags
	if f.URL == "" {
		// Then they are for an s3:// state URL (here or in plumb state
		// migrate --to), not for the artifacts.
		f.Endpoint, f.PathStyle = "", false
	}
	st, err := s3store.OpenFlags(ctx, f, check)
	if st == nil {
		return nil, err
	}
	return st, nil
}

// ready checks the artifact store, when there is one.
func ready(ctx context.Context, a plumb.Artifacts) error {
	if a == nil {
		return nil
	}
	return a.Ready(ctx)
}
