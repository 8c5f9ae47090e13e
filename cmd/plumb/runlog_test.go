package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/store/sqlite"
)

// TestRunLogIsLive: a run's log reaches the store while the run goes, not
// only when it ends, so the dashboard's run page can follow it.
func TestRunLogIsLive(t *testing.T) {
	t.Parallel()
	e := newE2E(t, "fixtures/slow")
	cmd := exec.Command(e.bin, "apply", "--auto-approve", "--json")
	cmd.Dir = e.repo.Dir
	cmd.Env = append(e.env, "TF_VAR_seconds=12")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	ctx := context.Background()
	deadline := time.Now().Add(90 * time.Second)
	for {
		if time.Now().After(deadline) {
			t.Fatal("no running apply had its engine output in the store")
		}
		time.Sleep(300 * time.Millisecond)
		db, err := openStoreIfThere(e.data)
		if err != nil {
			continue // the CLI has not made its database yet
		}
		runs, err := db.Runs(ctx, plumb.RunFilter{Kind: plumb.RunApply})
		if err != nil || len(runs) == 0 || runs[0].Status != plumb.RunRunning {
			db.Close()
			continue
		}
		lines, err := db.RunLog(ctx, runs[0].ID)
		db.Close()
		if err == nil && strings.Contains(strings.Join(lines, "\n"), "local-exec") {
			// the provisioner's output, stored while the apply sleeps, and
			// the engine that runs it
			if runs[0].Engine == "" || runs[0].EngineVersion == "" {
				t.Errorf("the running apply names no engine: %q %q", runs[0].Engine, runs[0].EngineVersion)
			}
			return
		}
	}
}

// openStoreIfThere opens the data dir's database once the CLI made it.
func openStoreIfThere(data string) (*sqlite.DB, error) {
	if _, err := os.Stat(filepath.Join(data, "plumb.db")); err != nil {
		return nil, err
	}
	return sqlite.Open(context.Background(), filepath.Join(data, "plumb.db"))
}
