package runner

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
)

func TestWorktreesReuseAndPrune(t *testing.T) {
	root := t.TempDir()
	w := newWorktrees(root)
	w.keep = 2
	tree := fstest.MapFS{"envs/dev/main.tf": {Data: []byte("# x\n")}}
	ctx := context.Background()

	dir, releaseFirst, err := w.get(ctx, "c0", tree)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "envs/dev/main.tf")); err != nil || string(b) != "# x\n" {
		t.Fatalf("worktree content %q, %v", b, err)
	}
	os.WriteFile(filepath.Join(dir, "marker"), nil, 0o600)
	again, release, err := w.get(ctx, "c0", tree)
	if err != nil || again != dir {
		t.Fatalf("second get: %s, %v", again, err)
	}
	release()
	if _, err := os.Stat(filepath.Join(dir, "marker")); err != nil {
		t.Error("the worktree was written again instead of reused")
	}
	for i := 1; i <= 4; i++ {
		_, rel, err := w.get(ctx, fmt.Sprintf("c%d", i), tree)
		if err != nil {
			t.Fatal(err)
		}
		rel()
	}
	if _, err := os.Stat(dir); err != nil {
		t.Error("a worktree in use was pruned")
	}
	releaseFirst()
	entries, _ := os.ReadDir(root)
	if len(entries) > 3 { // keep 2, plus c0 which was in use during every prune
		t.Errorf("%d worktrees left, want pruning down to the newest", len(entries))
	}
	if _, _, err := w.get(ctx, "../evil", tree); err == nil {
		t.Error("a commit name with a path separator was accepted")
	}
}
