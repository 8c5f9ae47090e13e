package keptstate

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/engine"
)

// Batch is a data dir's kept state to migrate.
type Batch struct {
	// Runs are the newest run of each project the store knows (its
	// LatestRuns): they name the repo and directory behind each state dir,
	// and the engine that last ran it.
	Runs []*plumb.Run
	// Project maps a repo and directory to where the data dir keeps its
	// state; StateRoot holds every such directory.
	Project   func(repo, dir string) Project
	StateRoot string
	Engines   []engine.Binary
	Env       map[string]string
	Scratch   string
	Log       io.Writer
}

// Unknown is the outcome of a state dir no run in the store names: it
// is left alone, since its repo and directory (its place in w) are unknown.
const Unknown Outcome = "unknown"

// MigrateAll migrates every project directory of b that has kept state,
// one at a time, each with the engine of its last apply (that version
// when installed, else the newest of that engine), and lists state dirs
// no run names. An engine or backend failure ends the batch.
func (w Where) MigrateAll(ctx context.Context, b Batch) ([]Result, error) {
	type group struct {
		p     Project
		names []string
		last  *plumb.Run
	}
	groups := map[string]*group{}
	for _, r := range b.Runs {
		p := b.Project(r.Repo, r.Dir)
		g := groups[p.Key]
		if g == nil {
			g = &group{p: p, last: r}
			groups[p.Key] = g
		}
		g.names = append(g.names, r.Project)
		if r.CreatedAt.After(g.last.CreatedAt) {
			g.last = r
		}
	}
	var out []Result
	for _, key := range slices.Sorted(maps.Keys(groups)) {
		g := groups[key]
		if _, err := os.Stat(g.p.LocalDir); err != nil {
			continue // its own backend, or never applied here
		}
		kind := cmp.Or(g.last.Engine, plumb.EngineTofu)
		m := Migration{Project: g.p, Env: b.Env, Scratch: filepath.Join(b.Scratch, key), Log: b.Log}
		var err error
		if m.Bin, err = engine.Select(b.Engines, kind, "= "+g.last.EngineVersion); err != nil {
			if m.Bin, err = engine.Select(b.Engines, kind, ""); err != nil {
				return out, fmt.Errorf("%s: %w", strings.Join(g.names, ", "), err)
			}
		}
		res, err := w.Migrate(ctx, m)
		if err != nil {
			return out, fmt.Errorf("%s (%s): %w", strings.Join(g.names, ", "), g.p.Dir, err)
		}
		if res.Outcome != "" { // "" holds no state
			res.Names = slices.Compact(slices.Sorted(slices.Values(g.names)))
			out = append(out, res)
		}
	}
	entries, _ := os.ReadDir(b.StateRoot)
	for _, e := range entries {
		if _, ok := groups[e.Name()]; ok || !e.IsDir() {
			continue
		}
		dir := filepath.Join(b.StateRoot, e.Name())
		if st, _ := localStates(dir); len(st) > 0 {
			out = append(out, Result{Project: Project{Key: e.Name(), LocalDir: dir}, Outcome: Unknown,
				Detail: "no run in the store names its project, so it stays in the data dir"})
		}
	}
	slices.SortStableFunc(out, func(a, b Result) int {
		return cmp.Compare(a.Project.Repo+"\x00"+a.Project.Dir, b.Project.Repo+"\x00"+b.Project.Dir)
	})
	return out, nil
}
