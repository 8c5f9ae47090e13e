package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plumbhq/plumb"
)

// TestPluginCacheUsed: the first plan in a fresh data dir already uses
// plumb's plugin cache, which the engine takes only when its directory
// exists (else it warns and copies every provider), and fills it.
func TestPluginCacheUsed(t *testing.T) {
	t.Parallel()
	e := newE2E(t, "fixtures/basic")
	if res := e.plumb("plan"); res.code != 0 {
		t.Fatalf("plan: exit %d\n%s", res.code, res.stderr)
	}
	db := openStore(t, e.data)
	runs, err := db.Runs(context.Background(), plumb.RunFilter{Kind: plumb.RunPlan})
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs: %v, %v", runs, err)
	}
	lines, err := db.RunLog(context.Background(), runs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if log := strings.Join(lines, "\n"); strings.Contains(log, "plugin cache dir") {
		t.Errorf("the engine could not use the plugin cache:\n%s", log)
	}
	providers, _ := filepath.Glob(filepath.Join(e.data, "plugin-cache", "*", "hashicorp", "*"))
	if len(providers) < 3 {
		t.Errorf("plugin cache holds %v, want the fixture's providers (null, random, local)", providers)
	}
}
