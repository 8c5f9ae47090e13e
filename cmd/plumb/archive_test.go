package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/engine"
	"github.com/plumbhq/plumb/internal/s3test"
	"github.com/plumbhq/plumb/internal/testenv"
	"github.com/plumbhq/plumb/runner"
	"github.com/plumbhq/plumb/runner/runfiles"
	"github.com/plumbhq/plumb/s3store"
	"github.com/plumbhq/plumb/store/sqlite"
)

// The canaries of fixtures/secrets: a sensitive variable's value, and a
// plain one's that plumb is told is secret.
const archivePW, archiveToken = "canary-pw-arch-5c21", "canary-token-arch-9d07"

// archiveBundle is one store and one fixture repository that runners
// (replicas) with data dirs of their own share.
type archiveBundle struct {
	st     *sqlite.DB
	target runner.Target
}

func newArchiveBundle(t *testing.T) archiveBundle {
	t.Helper()
	ctx := context.Background()
	repo := testenv.NewRepo(t, "fixtures/secrets")
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "plumb.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return archiveBundle{st: st, target: runner.Target{Repo: "acme/infra", Commit: repo.Head(), Tree: os.DirFS(repo.Dir),
		Project: plumb.Project{Name: "secrets", Dir: "."}, Trigger: "PR #1"}}
}

// replica is a runner with a data dir of its own; art may be nil (the
// data dir is then the only copy of a run's files).
func (b archiveBundle) replica(t *testing.T, art plumb.Artifacts, logger *slog.Logger) (*runner.Runner, string) {
	t.Helper()
	red := plumb.NewRedactor()
	red.Add(archiveToken) // as --secret-env would
	dir := t.TempDir()
	r, err := runner.New(runner.Config{DataDir: dir, Store: b.st, Artifacts: art, Redactor: red, Logger: logger,
		Engines: engine.Find(context.Background(), engine.Search{Dirs: []string{testenv.Load(t).BinDir}}),
		Env:     append(testenv.Env(t), "TF_VAR_db_password="+archivePW, "TF_VAR_label="+archiveToken)})
	if err != nil {
		t.Fatal(err)
	}
	return r, dir
}

func openBucket(t *testing.T, bucket string) *s3store.Store {
	t.Helper()
	art, err := s3store.Open(context.Background(), s3store.Config{URL: "s3://" + bucket + "/plumb", Endpoint: s3test.Endpoint(t),
		PathStyle: true, Key: bytes.Repeat([]byte{5}, s3store.KeySize)})
	if err != nil {
		t.Fatal(err)
	}
	return art
}

// noCanary fails t when data holds either canary.
func noCanary(t *testing.T, what string, data []byte) {
	t.Helper()
	for _, secret := range []string{archivePW, archiveToken} {
		if bytes.Contains(data, []byte(secret)) {
			t.Errorf("%s holds the secret %q", what, secret)
		}
	}
}

// TestRunFilesArchivedOnS3: when a run ends, its redacted plan document
// and text and its whole log go to the bucket (a real S3-compatible
// server), sealed: the objects hold neither canary nor any plain text. A
// replica with an empty data dir reads them back from there, the log as
// the store has it.
func TestRunFilesArchivedOnS3(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := newArchiveBundle(t)
	bucket := s3test.Bucket(t)
	a, aDir := b.replica(t, openBucket(t, bucket), nil)
	other, _ := b.replica(t, openBucket(t, bucket), nil)

	plan, err := a.Plan(ctx, b.target, nil)
	if err != nil || plan.Status != plumb.RunChanges {
		t.Fatalf("plan: %v, %+v", err, plan)
	}
	// A drift check reads the plan document back, so it has a plan.json.
	drift, err := a.Drift(ctx, b.target, nil)
	if err != nil || drift.Drift == nil {
		t.Fatalf("drift: %v, %+v", err, drift)
	}
	raw := s3test.Client(s3test.Endpoint(t))
	for _, c := range []struct {
		run   *plumb.Run
		names []string
	}{
		{plan, []string{runfiles.TextFile, runfiles.LogFile}},
		{drift, []string{runfiles.JSONFile, runfiles.TextFile, runfiles.LogFile}},
	} {
		for _, name := range c.names {
			local, err := os.ReadFile(filepath.Join(aDir, "runs", c.run.ID, name))
			if err != nil {
				t.Fatalf("%s run: %s is not in the data dir: %v", c.run.Kind, name, err)
			}
			noCanary(t, string(c.run.Kind)+" "+name, local)
			obj, err := raw.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("plumb/" + runfiles.Key(c.run.ID, name))})
			if err != nil {
				t.Fatalf("%s run: %s is not in the bucket: %v", c.run.Kind, name, err)
			}
			stored, _ := io.ReadAll(obj.Body)
			obj.Body.Close()
			noCanary(t, "the bucket's "+name, stored)
			if bytes.Contains(stored, []byte("null_resource")) || bytes.Contains(stored, local[:min(len(local), 40)]) {
				t.Errorf("%s run: the bucket holds %s in plain text", c.run.Kind, name)
			}

			got, err := other.RunFile(ctx, c.run.ID, name)
			if err != nil || !bytes.Equal(got, local) {
				t.Errorf("%s run: %s read by a replica without it = %.80q, %v; want the archived %.80q", c.run.Kind, name, got, err, local)
			}
		}
		lines, err := b.st.RunLog(ctx, c.run.ID)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := other.RunFile(ctx, c.run.ID, runfiles.LogFile)
		if want := strings.Join(lines, "\n") + "\n"; string(got) != want || len(lines) < 3 {
			t.Errorf("%s run: the archived log is not the whole log (%d lines stored):\n%s\nwant:\n%s", c.run.Kind, len(lines), got, want)
		}
	}
	if got, _ := other.RunFile(ctx, drift.ID, runfiles.JSONFile); !bytes.Contains(got, []byte(`"null_resource"`)) {
		t.Errorf("the drift run's plan document read from the bucket does not describe the plan: %.200s", got)
	}
	if _, err := other.RunFile(ctx, "no-such-run", runfiles.LogFile); plumb.ErrorCode(err) != plumb.ENOTFOUND {
		t.Errorf("a run nobody archived: %v, want not_found", err)
	}
	if _, err := other.RunFile(ctx, plan.ID, runfiles.PlanFile); plumb.ErrorCode(err) != plumb.EINVALID {
		t.Errorf("the saved plan through RunFile: %v, want invalid (it holds real values)", err)
	}
}

// TestRunFilesInDataDir: without an artifact store, a run's redacted
// plan text and whole log stay in its data dir, where RunFile reads them.
func TestRunFilesInDataDir(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := newArchiveBundle(t)
	r, dir := b.replica(t, nil, nil)
	plan, err := r.Plan(ctx, b.target, nil)
	if err != nil || plan.Status != plumb.RunChanges {
		t.Fatalf("plan: %v, %+v", err, plan)
	}
	lines, err := b.st.RunLog(ctx, plan.ID)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{runfiles.TextFile: plan.PlanText, runfiles.LogFile: strings.Join(lines, "\n") + "\n"} {
		got, err := r.RunFile(ctx, plan.ID, name)
		if err != nil || string(got) != want {
			t.Errorf("%s = %.80q, %v; want %.80q", name, got, err, want)
		}
		if _, err := os.Stat(filepath.Join(dir, "runs", plan.ID, name)); err != nil {
			t.Errorf("%s is not in the data dir: %v", name, err)
		}
		noCanary(t, name, got)
	}
	if !strings.Contains(strings.Join(lines, "\n"), "null_resource.db") {
		t.Errorf("the log does not show the plan:\n%s", strings.Join(lines, "\n"))
	}
}

// failingPuts refuses to store keys with the suffix: an artifact store
// that fails part-way (fault injection).
type failingPuts struct {
	plumb.Artifacts
	suffix string
}

func (f failingPuts) Put(ctx context.Context, key string, data []byte) error {
	if strings.HasSuffix(key, f.suffix) {
		return plumb.Errorf(plumb.EINTERNAL, "artifacts: store s3://bucket/%s: connection reset", key)
	}
	return f.Artifacts.Put(ctx, key, data)
}

// TestRunArchiveFails: a log the artifact store refuses does not fail the
// run, lose its log or its saved plan: the run's log and plumb's log say
// it, the store keeps the log, the data dir the files, and another
// replica still applies the plan as is.
func TestRunArchiveFails(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := newArchiveBundle(t)
	art := openBucket(t, s3test.Bucket(t))
	var logs syncBuffer
	a, dir := b.replica(t, failingPuts{art, "/" + runfiles.LogFile}, slog.New(slog.NewTextHandler(&logs, nil)))
	plan, err := a.Plan(ctx, b.target, nil)
	if err != nil || plan.Status != plumb.RunChanges {
		t.Fatalf("plan whose log was not archived: %v, %s (%s)", err, plan.Status, plan.Error)
	}
	if stored, err := b.st.Run(ctx, plan.ID); err != nil || stored.Status != plumb.RunChanges {
		t.Fatalf("stored run: %v, %+v", err, stored)
	}
	lines, _ := b.st.RunLog(ctx, plan.ID)
	log := strings.Join(lines, "\n")
	if !strings.Contains(log, "archiving this run's files failed") || !strings.Contains(log, "connection reset") || !strings.Contains(log, "null_resource.db") {
		t.Errorf("the run's log does not say the archive failed, or lost the run's output:\n%s", log)
	}
	if !strings.Contains(logs.String(), "archive run") || !strings.Contains(logs.String(), plan.ID) {
		t.Errorf("plumb's log does not report the failed archive:\n%s", logs.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "runs", plan.ID, runfiles.LogFile)); err != nil {
		t.Errorf("the log is not kept in the data dir: %v", err)
	}
	if _, err := art.Get(ctx, runfiles.Key(plan.ID, runfiles.TextFile)); err != nil {
		t.Errorf("the plan text did not reach the bucket: %v", err)
	}
	other, _ := b.replica(t, art, nil)
	applied, err := other.Apply(ctx, b.target, plan, nil)
	if err != nil || applied.Status != plumb.RunApplied || applied.Replanned != "" {
		t.Errorf("apply on another replica: %v, %s (replanned %q) %s", err, applied.Status, applied.Replanned, applied.Error)
	}
}
