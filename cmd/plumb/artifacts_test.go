package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/engine"
	"github.com/plumbhq/plumb/internal/s3test"
	"github.com/plumbhq/plumb/internal/testenv"
	"github.com/plumbhq/plumb/runner"
	"github.com/plumbhq/plumb/s3store"
	"github.com/plumbhq/plumb/store/sqlite"
)

// TestPlanAppliedOnAnotherReplica: two runners with data dirs of their
// own, one store and one bucket on a real S3-compatible server (MinIO).
// A plan made by one is applied by the other as is, from the bucket; once
// applied it is gone from the bucket, so the replica that made it can no
// longer apply it; a saved plan altered in the bucket is refused.
func TestPlanAppliedOnAnotherReplica(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	bucket := s3test.Bucket(t)
	repo := testenv.NewRepo(t, "fixtures/basic")
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "plumb.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	key := bytes.Repeat([]byte{3}, s3store.KeySize)
	art, err := s3store.Open(ctx, s3store.Config{URL: "s3://" + bucket + "/plumb", Endpoint: s3test.Endpoint(t), PathStyle: true, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	replica := func() *runner.Runner {
		r, err := runner.New(runner.Config{DataDir: t.TempDir(), Store: st, Artifacts: art,
			Engines: engine.Find(ctx, engine.Search{Dirs: []string{testenv.Load(t).BinDir}}),
			Env:     append(testenv.Env(t), "TF_VAR_output_dir="+out)})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	a, b := replica(), replica()
	target := runner.Target{Repo: "acme/infra", Commit: repo.Head(), Tree: os.DirFS(repo.Dir),
		Project: plumb.Project{Name: "basic", Dir: "."}, Trigger: "PR #1"}

	plan, err := a.Plan(ctx, target, nil)
	if err != nil || plan.Status != plumb.RunChanges {
		t.Fatalf("plan on a: %v, %+v", err, plan)
	}
	if _, err := art.Get(ctx, "runs/"+plan.ID+"/plan.tfplan"); err != nil {
		t.Fatalf("the saved plan is not in the bucket: %v", err)
	}
	applied, err := b.Apply(ctx, target, plan, nil)
	if err != nil || applied.Status != plumb.RunApplied || applied.Replanned != "" {
		t.Fatalf("apply on b: %v, %s (replanned: %q) %s", err, applied.Status, applied.Replanned, applied.Error)
	}
	if _, err := os.Stat(filepath.Join(out, "greeting.txt")); err != nil {
		t.Errorf("b's apply made nothing: %v", err)
	}
	if _, err := art.Get(ctx, "runs/"+plan.ID+"/plan.tfplan"); plumb.ErrorCode(err) != plumb.ENOTFOUND {
		t.Errorf("the applied plan is still in the bucket: %v", err)
	}
	again, err := a.Apply(ctx, target, plan, nil)
	if err != nil || !strings.Contains(again.Replanned, "gone") {
		t.Errorf("a applied its own copy of a plan b applied: %v, replanned %q", err, again.Replanned)
	}

	// A saved plan altered in the bucket (sealed with the right key, so
	// only its digest can tell) is not applied.
	os.RemoveAll(filepath.Join(out, "greeting.txt"))
	second, err := a.Plan(ctx, target, nil)
	if err != nil || second.Status != plumb.RunChanges {
		t.Fatalf("second plan: %v, %+v", err, second)
	}
	k := "runs/" + second.ID + "/plan.tfplan"
	data, err := art.Get(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	if err := art.Put(ctx, k, append(data, 0)); err != nil {
		t.Fatal(err)
	}
	refused, err := b.Apply(ctx, target, second, nil)
	if err != nil || !strings.Contains(refused.Replanned, "does not match its recorded sha256") {
		t.Errorf("b applied an altered plan: %v, %s, replanned %q", err, refused.Status, refused.Replanned)
	}
}
