package runner

import (
	"context"
	"path/filepath"

	"github.com/plumbhq/plumb/runner/runfiles"
)

// files are where this runner's runs keep their files (runner/runfiles).
func (r *Runner) files() runfiles.Files {
	return runfiles.Files{Dir: filepath.Join(r.dataDir, "runs"), Shared: r.artifacts}
}

// share copies a finished plan's artifact to the shared store, if any.
func (r *Runner) share(ctx context.Context, runID string) error { return r.files().Share(ctx, runID) }

// fetch brings a plan run's artifact from the shared store, if any.
func (r *Runner) fetch(ctx context.Context, runID string) error { return r.files().Fetch(ctx, runID) }

// removePlan deletes a run's saved plan here and in the shared store: it
// holds real values, and nothing may apply it any more. It reports whether
// this replica had it.
func (r *Runner) removePlan(ctx context.Context, runID string) bool {
	had, err := r.files().RemovePlan(ctx, runID)
	if err != nil {
		r.logger.Error("delete shared saved plan", "run", runID, "err", err)
	}
	return had
}

// RunFile returns one of a run's redacted files (runfiles.JSONFile,
// TextFile or LogFile) from this replica's data dir, else from the shared
// artifact store. ENOTFOUND when neither has it.
func (r *Runner) RunFile(ctx context.Context, runID, name string) ([]byte, error) {
	return r.files().Read(ctx, runID, name)
}
