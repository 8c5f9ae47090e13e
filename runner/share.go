package runner

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/plumbhq/plumb"
)

// sharedFiles are what another replica needs of a plan run to apply it,
// or to show it: the meta, the redacted text, and the saved plan.
var sharedFiles = []string{metaFile, planText, planFile}

func artifactKey(runID, name string) string { return "runs/" + runID + "/" + name }

// share copies a finished plan's artifact to the shared artifact store,
// when there is one. The saved plan goes last, so a replica that finds it
// finds the meta that describes it too.
func (r *Runner) share(ctx context.Context, runID string) error {
	if r.artifacts == nil {
		return nil
	}
	dir := r.runDir(runID)
	for _, name := range sharedFiles {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if errors.Is(err, fs.ErrNotExist) {
			continue // no changes: no saved plan
		} else if err != nil {
			return err
		}
		if err := r.artifacts.Put(ctx, artifactKey(runID, name), data); err != nil {
			return fmt.Errorf("share plan %s: %w", runID, err)
		}
	}
	return nil
}

// fetch brings a plan run's artifact from the shared store into the data
// dir, when there is a shared store. The store decides whether the saved
// plan still exists: another replica may have applied, superseded or
// discarded it since this one made it, and a local copy must not outlive
// that. The meta and text, which never change, are fetched once.
func (r *Runner) fetch(ctx context.Context, runID string) error {
	if r.artifacts == nil {
		return nil
	}
	dir := r.runDir(runID)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	get := func(name string) error {
		data, err := r.artifacts.Get(ctx, artifactKey(runID, name))
		switch {
		case plumb.ErrorCode(err) == plumb.ENOTFOUND:
			if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			return nil
		case err != nil:
			return fmt.Errorf("fetch plan %s: %w", runID, err)
		}
		return writeFileAtomic(filepath.Join(dir, name), data, 0o600)
	}
	if err := get(planFile); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(dir, metaFile)); err == nil {
		return nil
	}
	if err := get(planText); err != nil {
		return err
	}
	return get(metaFile) // last: its presence says the fetch is whole
}

// removePlan deletes a run's saved plan here and in the shared store: it
// holds real values, and nothing may apply it any more. It reports whether
// this replica had it.
func (r *Runner) removePlan(ctx context.Context, runID string) bool {
	err := os.Remove(filepath.Join(r.runDir(runID), planFile))
	if r.artifacts != nil {
		if derr := r.artifacts.Delete(context.WithoutCancel(ctx), artifactKey(runID, planFile)); derr != nil {
			r.logger.Error("delete shared saved plan", "run", runID, "err", derr)
		}
	}
	return err == nil
}
