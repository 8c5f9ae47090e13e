package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/internal/pgtest"
	"github.com/plumbhq/plumb/internal/s3test"
	"github.com/plumbhq/plumb/s3store"
	"github.com/plumbhq/plumb/store/postgres"
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

// /readyz checks the --state-url backend too, which the engines reach on
// every plan: a missing state bucket, or a state database that does not
// answer, fails it naming "state" (the log says which, and never the
// password); a reachable one of each is ready.
func TestServeReadyChecksTheStateBackend(t *testing.T) {
	t.Parallel()
	bucket := s3test.Bucket(t) // first: it exports MinIO's credentials
	s3env := append(os.Environ(), "PLUMB_S3_ENDPOINT="+s3test.Endpoint(t), "PLUMB_S3_PATH_STYLE=true")
	const password = "state-pw-canary"
	for _, c := range []struct {
		name, url string
		env       []string
		want      int
		log       string
	}{
		{"s3", "s3://" + bucket + "/state", s3env, 200, ""},
		{"s3 without the bucket", "s3://no-such-bucket-plumb/state", s3env, 503,
			"state: bucket no-such-bucket-plumb does not exist: create it, or fix --state-url"},
		{"pg", pgtest.URL(t), nil, 200, ""},
		{"pg not answering", "postgres://plumb:" + password + "@127.0.0.1:" + strconv.Itoa(closedPort(t)) + "/state", nil, 503,
			"postgres plumb@127.0.0.1:"},
	} {
		s := startServe(t, t.TempDir(), c.env, "--state-url", c.url)
		code, body := getBody(t, s.url("/readyz"))
		if code != c.want || (c.want == 503) != strings.Contains(body, `"failing":["state"]`) {
			t.Errorf("%s: /readyz %d %s, want %d", c.name, code, body, c.want)
		}
		if _, err := s.stop(syscall.SIGTERM); err != nil {
			t.Errorf("%s: SIGTERM: exit %v", c.name, err)
		}
		// Read once serve is gone: Wait has then copied all its stderr.
		if log := s.log.tail(50); !strings.Contains(log, c.log) || strings.Contains(log, password) {
			t.Errorf("%s: the log does not say %q, or shows the password:\n%s", c.name, c.log, log)
		}
	}
}

// closedPort is a loopback port nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// plumb plan --artifacts shares the saved plan in the bucket, sealed;
// wrong artifact settings fail before any plan, naming the flag.
func TestPlanArtifactsFlags(t *testing.T) {
	t.Parallel()
	bucket := s3test.Bucket(t) // first: it exports MinIO's credentials, which the CLI's environment copies
	e := newE2E(t, "fixtures/basic")
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

// A pull request planned by one replica is applied, once merged, by
// another that never saw it: the saved plans come from the bucket and are
// applied as they were reviewed, not planned again.
func TestPlannedOnOneReplicaAppliedOnAnother(t *testing.T) {
	t.Parallel()
	w := newGitHubWorld(t)
	c := startCluster(t, w, 1)
	defer c.stop()
	planner := c.replicas[0]
	w.push("change", "envs/dev/net/main.tf", netV2)
	head := w.push("change", "modules/label/main.tf", labelV2)
	if code, err := deliverAs("http://"+planner.addr, "pull_request", "opened-7", w.payload("opened", 7, "change", head, false)); err != nil || code != 202 {
		t.Fatalf("opened: %d %v", code, err)
	}
	w.waitKindComment(7, "plan", 3*time.Minute, "net-dev", "app-dev", "app-prod")
	waitFor(t, time.Minute, "the opened event handled", func() (bool, string) {
		return c.count(`SELECT count(*) FROM plumb_events WHERE status = 'processed'`) == 1, ""
	})
	if took, err := planner.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v after %s", err, took)
	}
	applier := c.add()
	w.gh.AddReview("acme", "infra", 7, "alice", "APPROVED")
	merge := w.gh.MergePull(t, "acme", "infra", 7, "merge")
	if code, err := deliverAs("http://"+applier.addr, "pull_request", "merged-7", w.mergedPayload(7)); err != nil || code != 202 {
		t.Fatalf("merged: %d %v", code, err)
	}
	waitFor(t, 3*time.Minute, "every project applied", func() (bool, string) {
		st := w.gh.LatestStatuses("acme", "infra", merge)
		for _, p := range []string{"net-dev", "app-dev", "app-prod"} {
			if st["plumb/apply: "+p].State != "success" {
				return false, toString(st)
			}
		}
		return true, ""
	})
	runs, err := c.db.Runs(context.Background(), plumb.RunFilter{Kind: plumb.RunApply, Commit: merge})
	if err != nil || len(runs) != 3 {
		t.Fatalf("apply runs: %d, %v", len(runs), err)
	}
	pid := func(r *plumb.Run) string { return strings.Split(r.Lease.Owner, "/")[1] }
	for _, r := range runs {
		plan, err := c.db.Run(context.Background(), r.PlanID)
		switch {
		case r.Status != plumb.RunApplied || r.Replanned != "":
			t.Errorf("%s: %s, replanned %q: want the reviewed plan applied as is", r.Project, r.Status, r.Replanned)
		case err != nil || plan.Commit != head:
			t.Errorf("%s applied plan %s (%v), want the pull request's plan of its head", r.Project, r.PlanID, err)
		case pid(plan) != strconv.Itoa(planner.cmd.Process.Pid) || pid(r) != strconv.Itoa(applier.cmd.Process.Pid):
			t.Errorf("%s: planned by %s, applied by %s; want the first replica and the second", r.Project, plan.Lease.Owner, r.Lease.Owner)
		}
	}
}

// With --state-database-url, a project without a backend keeps its state
// in the engine's pg backend: applied by one replica, it is planned by
// another from that state (a change, not a create all over again), and
// the state is in PostgreSQL, not in either data dir.
func TestSharedStateAcrossReplicas(t *testing.T) {
	t.Parallel()
	w := newGitHubWorld(t)
	stateURL := pgtest.URL(t)
	c := startCluster(t, w, 0)
	defer c.stop()
	c.env = append(c.env, "PLUMB_STATE_DATABASE_URL="+stateURL)
	first := c.add()
	head := w.push("net", "envs/dev/net/main.tf", netV2)
	if code, err := deliverAs("http://"+first.addr, "pull_request", "opened-7", w.payload("opened", 7, "net", head, false)); err != nil || code != 202 {
		t.Fatalf("opened: %d %v", code, err)
	}
	w.waitKindComment(7, "plan", 3*time.Minute, "net-dev")
	merge := w.gh.MergePull(t, "acme", "infra", 7, "merge")
	if code, err := deliverAs("http://"+first.addr, "pull_request", "merged-7", w.mergedPayload(7)); err != nil || code != 202 {
		t.Fatalf("merged: %d %v", code, err)
	}
	waitFor(t, 3*time.Minute, "net-dev applied", func() (bool, string) {
		st := w.gh.LatestStatuses("acme", "infra", merge)
		return st["plumb/apply: net-dev"].State == "success", toString(st)
	})
	first.stop(syscall.SIGTERM)

	second := c.add()
	w.local.Git("checkout", "-q", "main")
	w.local.Git("pull", "-q", "--ff-only", w.bare, "main")
	head = w.push("net-again", "envs/dev/net/main.tf", strings.Replace(netV2, "10.1.0.0/16", "10.2.0.0/16", 1))
	if code, err := deliverAs("http://"+second.addr, "pull_request", "opened-8", w.payload("opened", 8, "net-again", head, false)); err != nil || code != 202 {
		t.Fatalf("opened: %d %v", code, err)
	}
	w.waitKindComment(8, "plan", 3*time.Minute, "net-dev")
	runs, err := c.db.Runs(context.Background(), plumb.RunFilter{Kind: plumb.RunPlan, Trigger: "PR #8", Project: "net-dev"})
	if err != nil || len(runs) != 1 {
		t.Fatalf("PR #8's plans of net-dev: %d, %v", len(runs), err)
	}
	if s := runs[0].Summary; s.Replace+s.Destroy+s.Change == 0 {
		t.Errorf("the second replica planned net-dev from no state: %+v %+v", s, runs[0].Resources)
	}
	state, err := postgres.Open(context.Background(), stateURL)
	if err != nil {
		t.Fatal(err)
	}
	defer state.Close()
	var schemas int
	state.SQL().QueryRow(`SELECT count(*) FROM information_schema.schemata WHERE schema_name LIKE 'plumb_state_%'`).Scan(&schemas)
	if schemas != 1 {
		t.Errorf("%d plumb_state_ schemas in the state database, want net-dev's", schemas)
	}
}
