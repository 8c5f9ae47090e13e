package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/internal/pgtest"
	"github.com/plumbhq/plumb/internal/s3test"
	"github.com/plumbhq/plumb/s3store"
)

// testArtifactsKey seals the test buckets' objects.
var testArtifactsKey = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, s3store.KeySize))

// scaleOutEnv is a replica's environment: the test PostgreSQL and, with a
// bucket, artifacts on the test MinIO (whose credentials s3test exported).
func scaleOutEnv(t *testing.T, dbURL, bucket string) []string {
	t.Helper()
	env := append(os.Environ(), "PLUMB_DATABASE_URL="+dbURL)
	if bucket != "" {
		env = append(env, "PLUMB_ARTIFACTS=s3://"+bucket+"/plumb", "PLUMB_ARTIFACTS_ENCRYPTION_KEY="+testArtifactsKey,
			"PLUMB_S3_ENDPOINT="+s3test.Endpoint(t), "PLUMB_S3_PATH_STYLE=true")
	}
	return env
}

// plumb serve with --database-url and --artifacts on a real PostgreSQL and
// a real MinIO is ready; a missing bucket makes /readyz fail naming the
// artifacts (and the log says which bucket, and what to do), never showing
// the key.
func TestServeArtifactsOnS3(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	s := startServe(t, t.TempDir(), scaleOutEnv(t, url, s3test.Bucket(t)))
	if code, body := getBody(t, s.url("/readyz")); code != 200 {
		t.Errorf("/readyz with a bucket: %d %s\n%s", code, body, s.log.tail(20))
	}
	missing := startServe(t, t.TempDir(), scaleOutEnv(t, url, "no-such-bucket-plumb"))
	code, body := getBody(t, missing.url("/readyz"))
	if code != 503 || !strings.Contains(body, `"failing":["artifacts"]`) {
		t.Errorf("/readyz without the bucket: %d %s, want 503 naming the artifacts", code, body)
	}
	if log := missing.log.tail(50); !strings.Contains(log, "bucket no-such-bucket-plumb does not exist: create it, or fix --artifacts") ||
		strings.Contains(log, testArtifactsKey) {
		t.Errorf("the log does not say what is wrong, or shows the key:\n%s", log)
	}
	for _, r := range []*served{s, missing} {
		if took, err := r.stop(syscall.SIGTERM); err != nil || took > 30*time.Second {
			t.Errorf("SIGTERM: exit %v after %s", err, took)
		}
	}
}

// plumb plan --artifacts shares the saved plan in the bucket, sealed;
// wrong artifact settings fail before any plan, naming the flag.
func TestPlanArtifactsFlags(t *testing.T) {
	t.Parallel()
	e := newE2E(t, "fixtures/basic")
	bucket := s3test.Bucket(t)
	e.env = append(e.env, "PLUMB_S3_ENDPOINT="+s3test.Endpoint(t), "PLUMB_S3_PATH_STYLE=true")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--artifacts", "https://" + bucket}, "--artifacts: artifacts URL"},
		{[]string{"--artifacts", "s3://" + bucket}, "--artifacts s3://" + bucket + " needs --artifacts-encryption-key"},
		{[]string{"--artifacts", "s3://" + bucket, "--artifacts-encryption-key", "c2hvcnQ="}, "--artifacts-encryption-key: the artifacts encryption key must be 32 bytes"},
		{[]string{"--artifacts", "s3://no-such-bucket-plumb", "--artifacts-encryption-key", testArtifactsKey}, "--artifacts s3://no-such-bucket-plumb: artifacts: bucket no-such-bucket-plumb does not exist"},
	} {
		res := e.plumb(append([]string{"plan"}, c.args...)...)
		if res.code != 1 || !strings.Contains(res.stderr, c.want) || strings.Contains(res.stderr, testArtifactsKey) {
			t.Errorf("plumb plan %s: exit %d, stderr %q, want 1 and %q", strings.Join(c.args, " "), res.code, res.stderr, c.want)
		}
	}
	e.env = append(e.env, "PLUMB_ARTIFACTS=s3://"+bucket+"/cli", "PLUMB_ARTIFACTS_ENCRYPTION_KEY="+testArtifactsKey)
	plan := e.runsOf(0, "plan")
	if len(plan.Runs) != 1 || plan.Runs[0].Status != "changes" {
		t.Fatalf("plan: %+v", plan.Runs)
	}
	key, _ := s3store.ParseKey(testArtifactsKey)
	art, err := s3store.Open(context.Background(), s3store.Config{URL: "s3://" + bucket + "/cli", Endpoint: s3test.Endpoint(t), PathStyle: true, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	if data, err := art.Get(context.Background(), "runs/"+plan.Runs[0].ID+"/plan.tfplan"); err != nil || len(data) == 0 {
		t.Errorf("the saved plan is not in the bucket: %v", err)
	}
	if _, err := art.Get(context.Background(), "runs/"+plan.Runs[0].ID+"/nope"); plumb.ErrorCode(err) != plumb.ENOTFOUND {
		t.Errorf("a missing object: %v", err)
	}
}
