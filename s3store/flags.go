package s3store

import (
	"context"

	"github.com/plumbhq/plumb"
)

// Flags are plumb's artifact flags as given; OpenFlags checks them, each
// error naming the flag to fix.
type Flags struct {
	URL       string // --artifacts s3://bucket/prefix
	Key       string // --artifacts-encryption-key, as ParseKey reads it
	Endpoint  string // --s3-endpoint
	PathStyle bool   // --s3-path-style
}

// OpenFlags opens the store the flags name, or returns nil without
// --artifacts. With check it asks the bucket at once (for CLI verbs, which
// fail rather than wait to be ready).
func OpenFlags(ctx context.Context, f Flags, check bool) (*Store, error) {
	if f.URL == "" {
		if f.Endpoint != "" || f.PathStyle {
			return nil, plumb.Errorf(plumb.EINVALID, "--s3-endpoint and --s3-path-style need --artifacts s3://bucket/prefix")
		}
		return nil, nil
	}
	if _, _, err := ParseURL(f.URL); err != nil {
		return nil, plumb.Errorf(plumb.EINVALID, "--artifacts: %s", plumb.ErrorMessage(err))
	}
	if f.Key == "" {
		return nil, plumb.Errorf(plumb.EINVALID, "--artifacts %s needs --artifacts-encryption-key (or PLUMB_ARTIFACTS_ENCRYPTION_KEY): saved plans hold real values; make a key with: openssl rand -base64 32", f.URL)
	}
	key, err := ParseKey(f.Key)
	if err != nil {
		return nil, plumb.Errorf(plumb.EINVALID, "--artifacts-encryption-key: %s", plumb.ErrorMessage(err))
	}
	st, err := Open(ctx, Config{URL: f.URL, Endpoint: f.Endpoint, PathStyle: f.PathStyle, Key: key})
	if err != nil {
		return nil, plumb.Errorf(plumb.EINVALID, "--artifacts %s: %s", f.URL, plumb.ErrorMessage(err))
	}
	if check {
		if err := st.Ready(ctx); err != nil { // the whole error: "no credentials" is no internal detail
			return nil, plumb.Errorf(plumb.ErrorCode(err), "--artifacts %s: %v", f.URL, err)
		}
	}
	return st, nil
}
