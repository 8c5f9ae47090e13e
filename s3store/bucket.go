package s3store

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/plumbhq/plumb"
)

// Bucket is a bucket opened only to check that it is reachable: the
// artifact store's, or one that something else writes (the engines' s3
// state backend, under --state-url).
type Bucket struct {
	client           *s3.Client
	name, what, flag string
}

// BucketConfig says which bucket, how to reach it, and for the messages
// what it holds and the flag that names it.
type BucketConfig struct {
	Bucket, Endpoint, Region string
	PathStyle                bool
	What, Flag               string // "state", "--state-url"
}

// OpenBucket makes a Bucket on the AWS chain's credentials; nothing is
// asked of the server until Ready.
func OpenBucket(ctx context.Context, cfg BucketConfig) (*Bucket, error) {
	client, err := newClient(ctx, cfg.Endpoint, cfg.PathStyle, cfg.Region)
	if err != nil {
		return nil, fmt.Errorf("%s s3://%s: %w", cfg.Flag, cfg.Bucket, err)
	}
	return &Bucket{client: client, name: cfg.Bucket, what: cfg.What, flag: cfg.Flag}, nil
}

// Ready checks that the bucket exists and these credentials reach it.
func (b *Bucket) Ready(ctx context.Context) error {
	_, err := b.client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &b.name})
	if err == nil {
		return nil
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "NotFound", "NoSuchBucket": // HEAD has no body: NotFound
			return plumb.Errorf(plumb.ENOTFOUND, "%s: bucket %s does not exist: create it, or fix %s", b.what, b.name, b.flag)
		case "AccessDenied", "Forbidden", "InvalidAccessKeyId", "SignatureDoesNotMatch":
			return plumb.Errorf(plumb.EUNAUTHORIZED, "%s: bucket %s refused (%s): check the AWS credentials and the bucket policy", b.what, b.name, api.ErrorCode())
		}
	}
	return fmt.Errorf("%s: reach bucket %s: %w", b.what, b.name, err)
}
