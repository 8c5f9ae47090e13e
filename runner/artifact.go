package runner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/engine"
	"github.com/plumbhq/plumb/runner/rootmod"
)

// A plan artifact is kept per run under <data>/runs/<id>/: the saved plan
// (binary, holds real values: 0600, deleted once applied or superseded),
// its redacted JSON and text, and meta.json, which says what the plan was
// made from so an apply can refuse a stale one.
const (
	planFile = "plan.tfplan"
	planJSON = "plan.json"
	planText = "plan.txt"
	metaFile = "meta.json"
)

type planMeta struct {
	RunID      string `json:"run_id"`
	Commit     string `json:"commit"`
	Base       string `json:"base,omitempty"`
	PlanSHA256 string `json:"plan_sha256"`
	// StateSHA256 is the digest of the plumb-kept state when the plan was
	// made ("" for projects with their own backend, where the engine's own
	// stale-plan check applies).
	StateSHA256 string `json:"state_sha256"`
	HasChanges  bool   `json:"has_changes"`
	// InputsSHA256 is the digest of everything at Commit the project's
	// configuration reads (its directory and the local modules it calls),
	// so a plan stays valid for another commit with the same inputs (the
	// merge commit of the pull request it was reviewed on).
	InputsSHA256 string `json:"inputs_sha256,omitempty"`
	// Engine and EngineVersion name the binary that made the plan. Only
	// the same engine at the same exact version applies it: another
	// version may read a saved plan differently (or refuse it half-way),
	// and the reviewed plan text is that version's account of the change.
	Engine        plumb.Engine `json:"engine"`
	EngineVersion string       `json:"engine_version"`
}

// engineDiffers says why a plan made with the engine in m may not be
// applied by bin, or "" when bin is that same engine and version.
func (m planMeta) engineDiffers(bin engine.Binary) string {
	if m.EngineVersion == "" {
		return fmt.Sprintf("plan %s does not record the engine version it was made with (an older plumb made it)", m.RunID)
	}
	if m.Engine != bin.Engine || m.EngineVersion != bin.VersionString() {
		return fmt.Sprintf("plan %s was made with %s %s, and this apply would run %s %s (%s)", m.RunID, m.Engine, m.EngineVersion, bin.Engine, bin.VersionString(), bin.Path)
	}
	return ""
}

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

func writeMeta(dir string, m planMeta) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, metaFile), data, 0o600)
}

func readMeta(dir string) (planMeta, error) {
	var m planMeta
	data, err := os.ReadFile(filepath.Join(dir, metaFile))
	if err != nil {
		return m, fmt.Errorf("plan artifact: %w", err)
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return m, fmt.Errorf("plan artifact %s: %w", dir, err)
	}
	return m, nil
}

// stateFile is where the local backend plumb configures keeps a workspace.
func stateFile(stateDir, workspace string) string {
	if workspace == "" || workspace == "default" {
		return filepath.Join(stateDir, "terraform.tfstate")
	}
	return filepath.Join(stateDir, "workspaces", workspace, "terraform.tfstate")
}
