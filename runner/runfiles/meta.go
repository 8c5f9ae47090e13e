package runfiles

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/engine"
)

// Meta is a plan run's meta.json: what the plan was made from, so an
// apply can refuse a stale plan or one another engine made.
type Meta struct {
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

// EngineDiffers says why a plan made with the engine in m may not be
// applied by bin, or "" when bin is that same engine and version.
func (m Meta) EngineDiffers(bin engine.Binary) string {
	if m.EngineVersion == "" {
		return fmt.Sprintf("plan %s does not record the engine version it was made with (an older plumb made it)", m.RunID)
	}
	if m.Engine != bin.Engine || m.EngineVersion != bin.VersionString() {
		return fmt.Sprintf("plan %s was made with %s %s, and this apply would run %s %s (%s)", m.RunID, m.Engine, m.EngineVersion, bin.Engine, bin.VersionString(), bin.Path)
	}
	return ""
}

// WriteMeta stores m in a run's directory.
func WriteMeta(dir string, m Meta) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, MetaFile), data, 0o600)
}

// ReadMeta reads a run's meta from its directory.
func ReadMeta(dir string) (Meta, error) {
	var m Meta
	data, err := os.ReadFile(filepath.Join(dir, MetaFile))
	if err != nil {
		return m, fmt.Errorf("plan artifact: %w", err)
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return m, fmt.Errorf("plan artifact %s: %w", dir, err)
	}
	return m, nil
}
