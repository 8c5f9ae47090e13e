package s3store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/plumbhq/plumb"
)

// Config says which bucket and how to reach it.
type Config struct {
	// URL is s3://bucket/prefix (the prefix may be empty).
	URL string
	// Endpoint, if set, is an S3-compatible server's base URL
	// (http://127.0.0.1:9000); empty means AWS.
	Endpoint string
	// PathStyle addresses buckets as endpoint/bucket rather than
	// bucket.endpoint, as most S3-compatible servers want.
	PathStyle bool
	// Region; empty takes the AWS chain's (AWS_REGION, the profile), else
	// us-east-1.
	Region string
	// Key seals every object (KeySize bytes; see ParseKey).
	Key []byte
}

// Store is plumb.Artifacts on one bucket and prefix.
type Store struct {
	client         *s3.Client
	bucket, prefix string
	sealer         sealer
	check          *Bucket // Ready
}

var _ plumb.Artifacts = (*Store)(nil)

// ParseURL splits s3://bucket/prefix.
func ParseURL(raw string) (bucket, prefix string, err error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "s3" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", "", plumb.Errorf(plumb.EINVALID, "artifacts URL %q: want s3://bucket/prefix", raw)
	}
	return u.Host, strings.Trim(u.Path, "/"), nil
}

// Open makes a Store. Credentials come from the usual AWS chain
// (environment, shared config and credentials files, web identity, the
// instance's role); nothing is asked of the server until the first call.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	bucket, prefix, err := ParseURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	if cfg.Key == nil {
		return nil, plumb.Errorf(plumb.EINVALID, "artifacts on %s need an encryption key (--artifacts-encryption-key): saved plans hold real values", cfg.URL)
	}
	sl, err := newSealer(cfg.Key)
	if err != nil {
		return nil, err
	}
	client, err := newClient(ctx, cfg.Endpoint, cfg.PathStyle, cfg.Region)
	if err != nil {
		return nil, fmt.Errorf("artifacts on %s: %w", cfg.URL, err)
	}
	check := &Bucket{client: client, name: bucket, what: "artifacts", flag: "--artifacts"}
	return &Store{client: client, bucket: bucket, prefix: prefix, sealer: sl, check: check}, nil
}

// newClient is an S3 client on the AWS chain's credentials, reaching
// endpoint ("" is AWS) in the region given, the chain's, or us-east-1.
func newClient(ctx context.Context, endpoint string, pathStyle bool, region string) (*s3.Client, error) {
	var opts []func(*config.LoadOptions) error
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("AWS config: %w", err)
	}
	if awsCfg.Region == "" {
		awsCfg.Region = "us-east-1"
	}
	return s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
		o.UsePathStyle = pathStyle
	}), nil
}

func (s *Store) objectKey(key string) (string, error) {
	clean := path.Clean("/" + key)[1:]
	if key == "" || clean != key {
		return "", plumb.Errorf(plumb.EINVALID, "artifact key %q: want a clean relative path", key)
	}
	if s.prefix == "" {
		return clean, nil
	}
	return s.prefix + "/" + clean, nil
}

func (s *Store) Put(ctx context.Context, key string, data []byte) error {
	k, err := s.objectKey(key)
	if err != nil {
		return err
	}
	_, err = s.client.PutObject(ctx, &s3.PutObjectInput{Bucket: &s.bucket, Key: &k, Body: bytes.NewReader(s.sealer.seal(k, data))})
	if err != nil {
		return s.wrap("store", k, err)
	}
	return nil
}

func (s *Store) Get(ctx context.Context, key string) ([]byte, error) {
	k, err := s.objectKey(key)
	if err != nil {
		return nil, err
	}
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.bucket, Key: &k})
	if err != nil {
		return nil, s.wrap("read", k, err)
	}
	defer out.Body.Close()
	sealed, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, s.wrap("read", k, err)
	}
	return s.sealer.open(k, sealed)
}

func (s *Store) Delete(ctx context.Context, key string) error {
	k, err := s.objectKey(key)
	if err != nil {
		return err
	}
	if _, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.bucket, Key: &k}); err != nil {
		if code := plumb.ErrorCode(s.wrap("delete", k, err)); code == plumb.ENOTFOUND {
			return nil
		}
		return s.wrap("delete", k, err)
	}
	return nil
}

// Ready checks that the bucket exists and these credentials reach it.
func (s *Store) Ready(ctx context.Context) error { return s.check.Ready(ctx) }

// wrap names the operation and object, and gives a missing object or
// bucket ENOTFOUND and a refused request EUNAUTHORIZED.
func (s *Store) wrap(op, key string, err error) error {
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "NoSuchKey", "NotFound":
			return plumb.Errorf(plumb.ENOTFOUND, "artifact s3://%s/%s: not found", s.bucket, key)
		case "NoSuchBucket":
			return plumb.Errorf(plumb.ENOTFOUND, "artifacts: bucket %s does not exist: create it, or fix --artifacts", s.bucket)
		case "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "Forbidden":
			return plumb.Errorf(plumb.EUNAUTHORIZED, "artifacts: %s s3://%s/%s refused (%s): check the AWS credentials and the bucket policy", op, s.bucket, key, api.ErrorCode())
		}
	}
	return fmt.Errorf("artifacts: %s s3://%s/%s: %w", op, s.bucket, key, err)
}
