package runfiles

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/plumbhq/plumb"
)

// The files of a run, by name in its directory and under Key in the
// shared store.
const (
	// PlanFile is the saved plan: real values, 0600, deleted here and in
	// the shared store once applied, superseded or discarded.
	PlanFile = "plan.tfplan"
	// MetaFile says what the plan was made from (runner's planMeta).
	MetaFile = "meta.json"
	// JSONFile is the plan document, redacted; only runs that read it
	// back have one (a plan whose streamed events said it all has none).
	JSONFile = "plan.json"
	// TextFile is the human-readable plan, redacted.
	TextFile = "plan.txt"
	// LogFile is the run's whole log, redacted, written when it ends.
	LogFile = "log.txt"
)

// Key is where a run's file is kept in the shared store.
func Key(runID, name string) string { return "runs/" + runID + "/" + name }

// Files are the files of runs: Dir/<id>/ on this replica and, when
// Shared is set, the store every replica shares.
type Files struct {
	Dir    string          // <data>/runs
	Shared plumb.Artifacts // nil: the data dir is the only copy
}

// RunDir is a run's directory on this replica.
func (f Files) RunDir(id string) string { return filepath.Join(f.Dir, id) }

// sharedPlan is what another replica needs of a plan run to apply it:
// the meta, the text, and the saved plan.
var sharedPlan = []string{MetaFile, TextFile, PlanFile}

// Share copies a finished plan's artifact to the shared store, when there
// is one. The saved plan goes last, so a replica that finds it finds the
// meta that describes it too.
func (f Files) Share(ctx context.Context, runID string) error {
	if f.Shared == nil {
		return nil
	}
	for _, name := range sharedPlan {
		data, err := os.ReadFile(filepath.Join(f.RunDir(runID), name))
		if errors.Is(err, fs.ErrNotExist) {
			continue // no changes: no saved plan
		} else if err != nil {
			return err
		}
		if err := f.Shared.Put(ctx, Key(runID, name), data); err != nil {
			return fmt.Errorf("share plan %s: %w", runID, err)
		}
	}
	return nil
}

// Fetch brings a plan run's artifact from the shared store into the data
// dir, when there is a shared store. The store decides whether the saved
// plan still exists: another replica may have applied, superseded or
// discarded it since this one made it, and a local copy must not outlive
// that. The meta and text, which never change, are fetched once.
func (f Files) Fetch(ctx context.Context, runID string) error {
	if f.Shared == nil {
		return nil
	}
	dir := f.RunDir(runID)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	get := func(name string) error {
		data, err := f.Shared.Get(ctx, Key(runID, name))
		switch {
		case plumb.ErrorCode(err) == plumb.ENOTFOUND:
			if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			return nil
		case err != nil:
			return fmt.Errorf("fetch plan %s: %w", runID, err)
		}
		return WriteFileAtomic(filepath.Join(dir, name), data, 0o600)
	}
	if err := get(PlanFile); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(dir, MetaFile)); err == nil {
		return nil
	}
	if err := get(TextFile); err != nil {
		return err
	}
	return get(MetaFile) // last: its presence says the fetch is whole
}

// RemovePlan deletes a run's saved plan here and in the shared store: it
// holds real values, and nothing may apply it any more. It reports whether
// this replica had it, and why the shared copy could not be deleted.
func (f Files) RemovePlan(ctx context.Context, runID string) (bool, error) {
	err := os.Remove(filepath.Join(f.RunDir(runID), PlanFile))
	var shared error
	if f.Shared != nil {
		shared = f.Shared.Delete(context.WithoutCancel(ctx), Key(runID, PlanFile))
	}
	return err == nil, shared
}

// Archive keeps a finished run's log (redacted) in its directory, then
// copies to the shared store, when there is one, the run's redacted plan
// document and text, when it has them, and the log. It tries each file
// and reports every one that failed; the local copies stay either way.
func (f Files) Archive(ctx context.Context, runID string, log []byte) error {
	dir := f.RunDir(runID)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("keep the log of run %s: %w", runID, err)
	}
	if err := WriteFileAtomic(filepath.Join(dir, LogFile), log, 0o600); err != nil {
		return fmt.Errorf("keep the log of run %s: %w", runID, err)
	}
	if f.Shared == nil {
		return nil
	}
	var errs []error
	for _, name := range []string{JSONFile, TextFile, LogFile} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err == nil {
			err = f.Shared.Put(ctx, Key(runID, name), data)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("archive %s of run %s: %w", name, runID, err))
		}
	}
	return errors.Join(errs...)
}

// Read returns one of a run's redacted files (JSONFile, TextFile,
// LogFile): this replica's copy, else the shared store's. ENOTFOUND when
// neither has it; EINVALID for a name or ID that is not one path element.
// Not for the saved plan, whose local copy may outlive it: see Fetch.
func (f Files) Read(ctx context.Context, runID, name string) ([]byte, error) {
	if name == PlanFile || !oneElement(runID) || !oneElement(name) {
		return nil, plumb.Errorf(plumb.EINVALID, "run file %q of run %q: not a run's redacted file", name, runID)
	}
	data, err := os.ReadFile(filepath.Join(f.RunDir(runID), name))
	if !errors.Is(err, fs.ErrNotExist) {
		return data, err
	}
	if f.Shared == nil {
		return nil, plumb.Errorf(plumb.ENOTFOUND, "run %s has no %s", runID, name)
	}
	return f.Shared.Get(ctx, Key(runID, name))
}

func oneElement(s string) bool {
	return s != "" && s != "." && s != ".." && !strings.ContainsAny(s, `/\`)
}

// WriteFileAtomic replaces path whole with data and perm, so a reader (or
// a concurrent run of the same directory) never sees half a file.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
