package runner

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
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
