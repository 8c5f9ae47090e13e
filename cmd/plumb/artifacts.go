package main

import (
	"context"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/engine"
	"github.com/plumbhq/plumb/runner"
	"github.com/plumbhq/plumb/s3store"
)

// artifactFlags say where the run files replicas share live (global
// flags: serve and the verbs that plan or apply take them).
type artifactFlags struct {
	URL, Key, Endpoint string
	PathStyle          bool
	// StateURL is --state-database-url: the PostgreSQL of the engines' pg
	// backend, where projects without a backend keep their state.
	StateURL string
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

// sharedState wires --state-database-url into a runner's config: the
// engines' pg backend reads it as PG_CONN_STR, so it is not among the
// credentials kept from them, and the redactor learns it.
func (m *Main) sharedState(cfg runner.Config) (runner.Config, error) {
	url := m.Artifacts.StateURL
	if url == "" {
		return cfg, nil
	}
	m.Redactor.Add(engine.CredentialForms(url)...)
	if !strings.HasPrefix(url, "postgres://") && !strings.HasPrefix(url, "postgresql://") {
		return cfg, plumb.Errorf(plumb.EINVALID, "--state-database-url: want postgres://…")
	}
	cfg.PGState = true
	cfg.Env = append(slices.Clip(cfg.Env), "PG_CONN_STR="+url)
	cfg.Credentials = slices.DeleteFunc(slices.Clone(cfg.Credentials), func(c string) bool { return c == url })
	return cfg, nil
}

// openArtifacts opens --artifacts, or returns nil without it. The key is
// one of plumb's credentials (plumbCredentials): redacted, and kept from
// the engines. check
// asks the bucket now, for verbs that fail rather than wait to be ready.
func (m *Main) openArtifacts(ctx context.Context, check bool) (plumb.Artifacts, error) {
	a := m.Artifacts
	if a.URL == "" {
		if a.Endpoint != "" || a.PathStyle {
			return nil, plumb.Errorf(plumb.EINVALID, "--s3-endpoint and --s3-path-style need --artifacts s3://bucket/prefix")
		}
		return nil, nil
	}
	if _, _, err := s3store.ParseURL(a.URL); err != nil {
		return nil, plumb.Errorf(plumb.EINVALID, "--artifacts: %s", plumb.ErrorMessage(err))
	}
	if a.Key == "" {
		return nil, plumb.Errorf(plumb.EINVALID, "--artifacts %s needs --artifacts-encryption-key (or PLUMB_ARTIFACTS_ENCRYPTION_KEY): saved plans hold real values; make a key with: openssl rand -base64 32", a.URL)
	}
	key, err := s3store.ParseKey(a.Key)
	if err != nil {
		return nil, plumb.Errorf(plumb.EINVALID, "--artifacts-encryption-key: %s", plumb.ErrorMessage(err))
	}
	st, err := s3store.Open(ctx, s3store.Config{URL: a.URL, Endpoint: a.Endpoint, PathStyle: a.PathStyle, Key: key})
	if err != nil {
		return nil, plumb.Errorf(plumb.EINVALID, "--artifacts %s: %s", a.URL, plumb.ErrorMessage(err))
	}
	if check {
		if err := st.Ready(ctx); err != nil {
			return nil, plumb.Errorf(plumb.ErrorCode(err), "--artifacts %s: %s", a.URL, plumb.ErrorMessage(err))
		}
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
