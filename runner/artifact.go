package runner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/engine"
	"github.com/plumbhq/plumb/runner/rootmod"
	"github.com/plumbhq/plumb/runner/runfiles"
)

// The files of a plan run, under <data>/runs/<id>/ (see runfiles): the
// saved plan (real values: 0600, deleted once applied or superseded), its
// redacted JSON and text, and its meta (runfiles.Meta), which lets an
// apply refuse a stale plan.
const (
	planFile = runfiles.PlanFile
	planJSON = runfiles.JSONFile
	planText = runfiles.TextFile
)

// applyBinary is the engine an apply of t runs: prepare's own choice (the
// project's version, else its required_version at t.Commit, else the
// default), made before prepare, with no init, so usablePlan can compare
// it with the saved plan's engine before deciding to apply that plan.
func (r *Runner) applyBinary(ctx context.Context, t Target) (engine.Binary, error) {
	kind := t.Project.Engine
	if kind == "" {
		kind = plumb.EngineTofu
	}
	var cfg rootmod.Config
	if t.Project.Version == "" {
		// required_version is read where prepare reads it, in the commit's
		// worktree: written once per commit, so prepare then reuses it.
		repoSum := sha256.Sum256([]byte(t.Repo))
		root, release, err := r.trees.get(ctx, t.Commit+"-"+hex.EncodeToString(repoSum[:4]), t.Tree)
		if err != nil {
			return engine.Binary{}, err
		}
		defer release()
		cfg = rootmod.Read(filepath.Join(root, filepath.FromSlash(t.Project.Dir)), nil, kind == plumb.EngineTofu)
	}
	return r.engineFor(ctx, t.Project, kind, cfg)
}

// stateFile is where the local backend plumb configures keeps a workspace.
func stateFile(stateDir, workspace string) string {
	if workspace == "" || workspace == "default" {
		return filepath.Join(stateDir, "terraform.tfstate")
	}
	return filepath.Join(stateDir, "workspaces", workspace, "terraform.tfstate")
}
