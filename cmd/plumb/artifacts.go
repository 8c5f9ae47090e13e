package main

import (
	"context"

	"github.com/spf13/pflag"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/s3store"
)

// artifactFlags say where what replicas share lives: run files on S3, and
// the state of projects without a backend (global flags: serve and the
// verbs that plan or apply take them).
type artifactFlags struct {
	s3store.Flags
	StateURL string // runner.Config.StateURL
}

// artifactFileKeys are these flags' names, which a serve --config file may set.
var artifactFileKeys = []string{"artifacts", "artifacts-encryption-key", "s3-endpoint", "s3-path-style", "state-database-url"}

func (a *artifactFlags) flags(fs *pflag.FlagSet) {
	fs.StringVar(&a.URL, "artifacts", "", "s3://bucket/prefix where saved plans and their text are shared by every replica (default: the data dir only)")
	fs.StringVar(&a.Key, "artifacts-encryption-key", "", "key (32 bytes, base64 or hex: openssl rand -base64 32) that seals every object in --artifacts; better set as PLUMB_ARTIFACTS_ENCRYPTION_KEY")
	fs.StringVar(&a.Endpoint, "s3-endpoint", "", "base URL of an S3-compatible server for --artifacts (default: AWS)")
	fs.BoolVar(&a.PathStyle, "s3-path-style", false, "address the --artifacts bucket as endpoint/bucket, as most S3-compatible servers want")
	fs.StringVar(&a.StateURL, "state-database-url", "", "PostgreSQL URL (a least-privileged role of its own: plans can read it) where projects without a backend keep their state, in the engine's pg backend, shared by every replica (default: the data dir)")
}

// openArtifacts opens --artifacts, or returns nil without it. The key is
// one of plumb's credentials (plumbCredentials): redacted, and kept from
// the engines.
func (m *Main) openArtifacts(ctx context.Context, check bool) (plumb.Artifacts, error) {
	st, err := s3store.OpenFlags(ctx, m.Artifacts.Flags, check)
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
