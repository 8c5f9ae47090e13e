package runner

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/hashicorp/terraform-exec/tfexec"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/runner/runfiles"
)

// Apply applies plan, a plan run of the same project, under the project's
// lock held by t.Trigger. The saved plan is used only when its hash
// matches, it was made for t.Commit and the state it was planned against
// has not moved since; otherwise the project is planned again and the
// run's Replanned says why. A held lock gives a blocked run naming the
// holder. A lock taken here is released when the run ends.
func (r *Runner) Apply(ctx context.Context, t Target, plan *plumb.Run, progress io.Writer) (*plumb.Run, error) {
	return r.applyStarted(ctx, t, plan, progress, nil, true)
}

// applyStarted is Apply that calls started once the run holds a worker
// slot. Without replan an unusable plan fails the run instead of being
// planned again: what is applied must be what was reviewed.
func (r *Runner) applyStarted(ctx context.Context, t Target, plan *plumb.Run, progress io.Writer, started func(), replan bool) (*plumb.Run, error) {
	run, a, err := r.begin(ctx, t, plumb.RunApply, progress, started)
	if err != nil {
		return run, err
	}
	lock, err := r.Lock(ctx, t, "apply", run.ID)
	if plumb.ErrorCode(err) == plumb.ECONFLICT {
		run.Status, run.BlockedBy = plumb.RunBlocked, lock.Owner
		a.log.note(fmt.Sprintf("%s is locked by %s (%s); not applied", t.Project.Name, lock.Owner, lock.Reason))
		return run, a.done(ctx, nil)
	}
	if err != nil {
		return run, a.done(ctx, fmt.Errorf("lock %s: %w", t.LockKey(), err))
	}
	if lock.RunID == run.ID {
		defer func() {
			// Release even when ctx was cancelled: a cancelled apply leaves no lock.
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			if err := r.store.ReleaseLock(rctx, lock.ID); err != nil {
				r.logger.Error("release lock", "lock", lock.ID, "project", t.Project.Name, "err", err)
			}
		}()
	}
	return run, a.done(ctx, r.apply(ctx, t, plan, run, a.log, replan))
}

func (r *Runner) apply(ctx context.Context, t Target, plan *plumb.Run, run *plumb.Run, log *runLog, replan bool) error {
	dir := r.runDir(run.ID)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	planDir, why := r.usablePlan(ctx, t, plan)
	if why != "" && !replan {
		return plumb.Errorf(plumb.ECONFLICT, "not applied: %s", why)
	}
	if plan != nil {
		run.PlanID = plan.ID
	}
	if why != "" {
		run.Replanned = why
		log.note("planning again: " + why)
		if err := r.plan(ctx, t, run, log, nil); err != nil {
			return err
		}
		planDir = dir
	} else {
		run.Summary, run.Resources, run.ChangesOutside = plan.Summary, plan.Resources, plan.ChangesOutside
		run.PlanText, run.PlanSHA256 = plan.PlanText, plan.PlanSHA256
		log.note("applying plan " + plan.ID)
	}
	meta, err := runfiles.ReadMeta(planDir)
	if err != nil {
		return err
	}
	planPath := filepath.Join(planDir, planFile)
	if !meta.HasChanges {
		r.removePlan(ctx, filepath.Base(planDir))
		run.Status = plumb.RunNoChanges
		return nil
	}
	w, err := r.prepare(ctx, t, dir, log)
	if err != nil {
		return err
	}
	defer w.close()
	run.Engine, run.EngineVersion = w.bin.Engine, w.bin.VersionString()
	r.storeEngine(ctx, run)
	// The saved plan holds real values: it goes as soon as it is used.
	defer r.removePlan(ctx, filepath.Base(planDir))
	// usablePlan compared engines already; checked again on the binary
	// prepare chose, in case the two choices ever part.
	if why := meta.EngineDiffers(w.bin); why != "" {
		return plumb.Errorf(plumb.ECONFLICT, "not applied: %s", why)
	}
	if err := w.tf.Apply(ctx, tfexec.DirOrPlan(planPath)); err != nil {
		return fmt.Errorf("apply: %w", err)
	}
	run.Status = plumb.RunApplied
	if !w.cfg.HasBackend {
		// State holds real values; the engine writes it world-readable.
		sf := stateFile(r.stateDir(t.Repo, t.Project.Dir), workspaceOf(t.Project))
		for _, f := range []string{sf, sf + ".backup"} {
			if err := os.Chmod(f, 0o600); err != nil && !os.IsNotExist(err) {
				return err
			}
		}
	}
	return nil
}

// usablePlan returns the artifact directory of plan when it may be applied
// as is, or why not. A plan is applied only by the engine and exact
// version that made it, so this also picks the binary the apply would run.
func (r *Runner) usablePlan(ctx context.Context, t Target, plan *plumb.Run) (string, string) {
	if plan == nil {
		return "", "no saved plan for this commit"
	}
	if plan.Kind != plumb.RunPlan && plan.Kind != plumb.RunApply || (plan.Status != plumb.RunChanges && plan.Status != plumb.RunNoChanges) {
		return "", fmt.Sprintf("run %s is not a successful plan", plan.ID)
	}
	if err := r.fetch(ctx, plan.ID); err != nil {
		return "", fmt.Sprintf("plan %s could not be fetched from the artifact store: %v", plan.ID, err)
	}
	dir := r.runDir(plan.ID)
	meta, err := runfiles.ReadMeta(dir)
	if err != nil {
		return "", fmt.Sprintf("plan %s has no artifact", plan.ID)
	}
	if plan.Project != t.Project.Name || plan.Workspace != workspaceOf(t.Project) {
		return "", fmt.Sprintf("plan %s is for %s, not %s", plan.ID, plan.Project, t.Project.Name)
	}
	if meta.Commit != t.Commit {
		// Another commit (a pull request's merge) may still use the plan
		// when the project's inputs are the same there.
		now, err := inputsDigest(t.Tree, t.Project)
		if err != nil || meta.InputsSHA256 == "" || now != meta.InputsSHA256 {
			return "", fmt.Sprintf("plan %s was made for commit %.12s, and %s's configuration differs at %.12s", plan.ID, meta.Commit, t.Project.Name, t.Commit)
		}
	}
	if meta.HasChanges {
		got := fileDigest(filepath.Join(dir, planFile))
		if got == "" {
			return "", fmt.Sprintf("the saved plan of %s is gone (applied or discarded)", plan.ID)
		}
		if got != meta.PlanSHA256 || got != plan.PlanSHA256 {
			return "", fmt.Sprintf("the saved plan of %s does not match its recorded sha256", plan.ID)
		}
	}
	// For plumb-kept state both digests are "" until the first apply; a
	// project with its own backend relies on the engine's stale-plan check.
	if now := fileDigest(stateFile(r.stateDir(t.Repo, t.Project.Dir), workspaceOf(t.Project))); now != meta.StateSHA256 {
		return "", fmt.Sprintf("the state of %s changed since plan %s was made (stale plan)", t.Project.Name, plan.ID)
	}
	// Last: choosing the binary may write the commit's worktree, or
	// download an engine.
	bin, err := r.applyBinary(ctx, t)
	if err != nil {
		return "", fmt.Sprintf("no engine to apply plan %s with: %v", plan.ID, err)
	}
	if why := meta.EngineDiffers(bin); why != "" {
		return "", why
	}
	return dir, ""
}
