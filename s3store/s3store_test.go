package s3store

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/internal/s3test"
)

var testKey = bytes.Repeat([]byte{7}, KeySize)

func open(t *testing.T, bucket, prefix string, key []byte) *Store {
	t.Helper()
	s, err := Open(context.Background(), Config{URL: "s3://" + bucket + "/" + prefix, Endpoint: s3test.Endpoint(t), PathStyle: true, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestStoreOnMinIO: plans made on one replica are read on another through
// a real S3-compatible server, sealed on the way: the bucket holds no
// plaintext, and an object read with another key, or copied under another
// name, refuses to open.
func TestStoreOnMinIO(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	bucket := s3test.Bucket(t)
	a, b := open(t, bucket, "team/plumb", testKey), open(t, bucket, "team/plumb", testKey)
	if err := a.Ready(ctx); err != nil {
		t.Fatalf("Ready: %v", err)
	}
	secret := []byte("saved plan with password=canary-s3-61f0 inside")
	if err := a.Put(ctx, "runs/r1/plan.tfplan", secret); err != nil {
		t.Fatal(err)
	}
	got, err := b.Get(ctx, "runs/r1/plan.tfplan")
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("Get from another handle = %q, %v", got, err)
	}

	raw, err := s3test.Client(s3test.Endpoint(t)).GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("team/plumb/runs/r1/plan.tfplan")})
	if err != nil {
		t.Fatalf("the object is not under the prefix: %v", err)
	}
	stored, _ := io.ReadAll(raw.Body)
	raw.Body.Close()
	if bytes.Contains(stored, []byte("canary-s3")) {
		t.Error("the bucket holds the plan in plaintext")
	}

	other := open(t, bucket, "team/plumb", bytes.Repeat([]byte{8}, KeySize))
	if _, err := other.Get(ctx, "runs/r1/plan.tfplan"); err == nil || !strings.Contains(err.Error(), "does not open") {
		t.Errorf("Get with another key: %v, want a refusal", err)
	}
	if _, err := s3test.Client(s3test.Endpoint(t)).CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(bucket),
		CopySource: aws.String(bucket + "/team/plumb/runs/r1/plan.tfplan"), Key: aws.String("team/plumb/runs/r2/plan.tfplan")}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Get(ctx, "runs/r2/plan.tfplan"); err == nil {
		t.Error("a sealed plan copied under another run's name opened")
	}

	if err := a.Delete(ctx, "runs/r1/plan.tfplan"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Get(ctx, "runs/r1/plan.tfplan"); plumb.ErrorCode(err) != plumb.ENOTFOUND {
		t.Errorf("Get after Delete: %v, want not_found", err)
	}
	if err := a.Delete(ctx, "runs/r1/plan.tfplan"); err != nil {
		t.Errorf("deleting what is gone: %v, want no error", err)
	}
	if err := a.Put(ctx, "../escape", secret); plumb.ErrorCode(err) != plumb.EINVALID {
		t.Errorf("Put ../escape: %v, want invalid", err)
	}

	gone := open(t, "plumb-no-such-bucket", "", testKey)
	if err := gone.Ready(ctx); plumb.ErrorCode(err) != plumb.ENOTFOUND || !strings.Contains(err.Error(), "bucket plumb-no-such-bucket does not exist") {
		t.Errorf("Ready on a missing bucket: %v, want not_found naming it", err)
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct{ url, bucket, prefix string }{
		{"s3://b", "b", ""}, {"s3://b/", "b", ""}, {"s3://b/p/q/", "b", "p/q"},
	} {
		b, p, err := ParseURL(tc.url)
		if err != nil || b != tc.bucket || p != tc.prefix {
			t.Errorf("ParseURL(%q) = %q, %q, %v", tc.url, b, p, err)
		}
	}
	for _, bad := range []string{"", "b/p", "https://b/p", "s3:///p", "s3://b/p?x=1"} {
		if _, _, err := ParseURL(bad); plumb.ErrorCode(err) != plumb.EINVALID {
			t.Errorf("ParseURL(%q): %v, want invalid", bad, err)
		}
	}
	for _, good := range []string{strings.Repeat("ab", 32), "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc="} {
		if k, err := ParseKey(good); err != nil || len(k) != KeySize {
			t.Errorf("ParseKey(%q) = %d bytes, %v", good, len(k), err)
		}
	}
	for _, bad := range []string{"", "short", strings.Repeat("ab", 16)} {
		if _, err := ParseKey(bad); plumb.ErrorCode(err) != plumb.EINVALID {
			t.Errorf("ParseKey(%q): %v, want invalid", bad, err)
		}
	}
	if _, err := Open(context.Background(), Config{URL: "s3://b"}); plumb.ErrorCode(err) != plumb.EINVALID {
		t.Errorf("Open without a key: %v, want invalid", err)
	}
}

func TestSealRefusesTampering(t *testing.T) {
	s, _ := newSealer(testKey)
	sealed := s.seal("k", []byte("data"))
	sealed[len(sealed)-1] ^= 1
	if _, err := s.open("k", sealed); err == nil {
		t.Error("an altered object opened")
	}
	if _, err := s.open("k", []byte("plain")); err == nil {
		t.Error("an unsealed object opened")
	}
}

// A Bucket (the state backend's) is ready when it exists and the
// credentials reach it; else the error says which, naming the flag.
func TestBucketReady(t *testing.T) {
	ctx := context.Background()
	endpoint := s3test.Endpoint(t)
	name := s3test.Bucket(t)
	openBucket := func(bucket string) *Bucket {
		b, err := OpenBucket(ctx, BucketConfig{Bucket: bucket, Endpoint: endpoint, PathStyle: true, What: "state", Flag: "--state-url"})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if err := openBucket(name).Ready(ctx); err != nil {
		t.Errorf("Ready: %v", err)
	}
	err := openBucket("plumb-no-such-bucket").Ready(ctx)
	if plumb.ErrorCode(err) != plumb.ENOTFOUND || !strings.Contains(err.Error(), "state: bucket plumb-no-such-bucket does not exist: create it, or fix --state-url") {
		t.Errorf("Ready on a missing bucket: %v, want not_found naming it and the flag", err)
	}
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wrong")
	if err := openBucket(name).Ready(ctx); plumb.ErrorCode(err) != plumb.EUNAUTHORIZED || !strings.Contains(err.Error(), "check the AWS credentials") {
		t.Errorf("Ready with a wrong key: %v, want unauthorized", err)
	}
}
