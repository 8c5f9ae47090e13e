package main

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/plumbhq/plumb/internal/pgtest"
	"github.com/plumbhq/plumb/internal/s3test"
)

// s3State points e at a fresh MinIO bucket for its kept state and
// returns the --state-url and the bucket.
func s3State(t *testing.T, e *e2e) (string, string) {
	t.Helper()
	bucket := s3test.Bucket(t) // first: it exports MinIO's credentials, which e's environment copies
	e.env = append(e.env, "AWS_ACCESS_KEY_ID="+s3test.AccessKey, "AWS_SECRET_ACCESS_KEY="+s3test.SecretKey,
		"PLUMB_S3_ENDPOINT="+s3test.Endpoint(t), "PLUMB_S3_PATH_STYLE=true")
	return "s3://" + bucket + "/state", bucket
}

// stateObjects lists the bucket's keys.
func stateObjects(t *testing.T, bucket string) []string {
	t.Helper()
	out, err := s3test.Client(s3test.Endpoint(t)).ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range out.Contents {
		keys = append(keys, *o.Key)
	}
	return keys
}

// With --state-url s3://, a project without a backend keeps its state in
// the engine's s3 backend: applied from one data dir, it is planned from
// an empty one with no changes, and an apply from a third while the
// first holds the state is refused by the engine's S3 lock (use_lockfile),
// not by plumb's store, which the data dirs do not share.
func TestStateURLS3(t *testing.T) {
	t.Parallel()
	e := newE2E(t, "fixtures/slow")
	stateURL, bucket := s3State(t, e)
	e.env = append(e.env, "PLUMB_STATE_URL="+stateURL)
	if st := statuses(e.runsOf(0, "apply", "--auto-approve", "-p", "root")); st["root"] != "applied" {
		t.Fatalf("apply: %v", st)
	}
	keys := stateObjects(t, bucket)
	if len(keys) != 1 || !strings.HasPrefix(keys[0], "state/") || !strings.HasSuffix(keys[0], "/terraform.tfstate") {
		t.Fatalf("objects in the bucket %v, want one state/…/terraform.tfstate", keys)
	}
	e.env = append(e.env, "PLUMB_DATA_DIR="+t.TempDir()) // a second runner, nothing in its data dir
	if res := e.plumb("plan", "--detailed-exitcode"); res.code != 0 {
		t.Fatalf("plan from an empty data dir: exit %d, want 0 (no changes)\n%s\n%s", res.code, res.stdout, res.stderr)
	}

	// A change to apply, twice at once from data dirs that share nothing
	// but the bucket.
	main, err := os.ReadFile(filepath.Join(e.repo.Dir, "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	e.repo.Write("main.tf", strings.Replace(string(main), `resource "null_resource" "slow" {`, `resource "null_resource" "slow" {
  triggers = { v = "2" }`, 1))
	e.repo.Commit("slower")
	first := exec.Command(e.bin, "apply", "--auto-approve")
	first.Dir, first.Env = e.repo.Dir, append(e.env, "TF_VAR_seconds=20")
	var firstErr syncBuffer
	first.Stdout, first.Stderr = io.Discard, &firstErr
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	defer first.Process.Kill()
	// Once applying, the engine holds the state's lock object for the
	// provisioner's 20 s.
	for deadline := time.Now().Add(time.Minute); !strings.Contains(firstErr.String(), "applying root") || !hasKey(stateObjects(t, bucket), ".tflock"); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the first apply never locked the state:\n%s", firstErr.String())
		}
	}
	e.env = append(e.env, "PLUMB_DATA_DIR="+t.TempDir())
	second := e.runsOf(1, "apply", "--auto-approve")
	if r := second.Runs[0]; r.Status != "failed" || !strings.Contains(r.Error, "Error acquiring the state lock") {
		t.Errorf("apply while another holds the state: %s, %q; want failed with the engine's lock error", r.Status, r.Error)
	}
	if err := first.Wait(); err != nil {
		t.Fatalf("the first apply: %v\n%s", err, firstErr.String())
	}
	if hasKey(stateObjects(t, bucket), ".tflock") {
		t.Error("the lock object outlived the apply")
	}
	if res := e.plumb("plan", "--detailed-exitcode"); res.code != 0 {
		t.Errorf("plan after the first apply: exit %d, want 0\n%s\n%s", res.code, res.stdout, res.stderr)
	}
}

func hasKey(keys []string, suffix string) bool {
	for _, k := range keys {
		if strings.HasSuffix(k, suffix) {
			return true
		}
	}
	return false
}

// plumb state migrate copies what the data dir keeps into the shared
// backend with the engine: a plan on that backend then has nothing to do,
// a second migration finds everything there, and a data dir with another
// state of the same project is refused rather than copied over it.
func TestStateMigrate(t *testing.T) {
	t.Parallel()
	for _, to := range []string{"s3", "postgres"} {
		t.Run(to, func(t *testing.T) {
			t.Parallel()
			e := newE2E(t, "fixtures/basic")
			e.env = append(e.env, "TF_VAR_output_dir="+e.outDir)
			var stateURL string
			if to == "s3" {
				stateURL, _ = s3State(t, e)
			} else {
				stateURL = pgtest.URL(t)
			}
			if st := statuses(e.runsOf(0, "apply", "--auto-approve")); st["root"] != "applied" {
				t.Fatalf("apply: %v", st)
			}
			res := e.plumb("state", "migrate", "--to", stateURL)
			if res.code != 0 || !strings.Contains(res.stdout, "  migrated  ") || !strings.Contains(res.stdout, "1 migrated, 0 already there") {
				t.Fatalf("migrate: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
			}
			t.Logf("migrate:\n%s", res.stdout)
			if strings.Contains(res.stdout, stateURL) && to == "postgres" {
				t.Errorf("the report shows the database URL:\n%s", res.stdout)
			}
			shared := append(e.env, "PLUMB_STATE_URL="+stateURL, "PLUMB_DATA_DIR="+t.TempDir())
			plan := exec.Command(e.bin, "plan", "--detailed-exitcode")
			plan.Dir, plan.Env = e.repo.Dir, shared
			if out, err := plan.CombinedOutput(); err != nil {
				t.Fatalf("plan on the shared backend after migrating: %v, want no changes\n%s", err, out)
			}
			again := e.plumb("state", "migrate", "--to", stateURL)
			if again.code != 0 || !strings.Contains(again.stdout, "already there") || !strings.Contains(again.stdout, "0 migrated, 1 already there") {
				t.Errorf("migrate again: exit %d, want everything already there\n%s\n%s", again.code, again.stdout, again.stderr)
			}

			// Another data dir applies the same project from scratch: a
			// state of another lineage.
			e.env = append(e.env, "PLUMB_DATA_DIR="+t.TempDir())
			e.runsOf(0, "apply", "--auto-approve")
			refused := e.plumb("state", "migrate", "--to", stateURL)
			if refused.code != 1 || !strings.Contains(refused.stdout, "refused") || !strings.Contains(refused.stdout, "another state") {
				t.Errorf("migrate a different state over it: exit %d, want 1, refused\n%s\n%s", refused.code, refused.stdout, refused.stderr)
			}
		})
	}
}
