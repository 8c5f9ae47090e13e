package runner

import (
	"context"

	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/terraform-exec/tfexec"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/drift"
	"github.com/plumbhq/plumb/runner/planout"
	"github.com/plumbhq/plumb/runner/runfiles"
)

// Plan runs a real plan of one project at one commit and keeps its
// artifact. The returned run is always non-nil and stored; err says why it
// failed (run.Error holds the same, redacted). progress, if non-nil, gets
// the engine's output live.
func (r *Runner) Plan(ctx context.Context, t Target, progress io.Writer) (*plumb.Run, error) {
	return r.planStarted(ctx, t, progress, nil)
}

// planStarted is Plan that calls started once the run begins to prepare.
func (r *Runner) planStarted(ctx context.Context, t Target, progress io.Writer, started func()) (*plumb.Run, error) {
	run, finish, err := r.begin(ctx, t, plumb.RunPlan, progress, started)
	if err != nil {
		return run, err
	}
	err = r.plan(ctx, t, run, finish.log, finish)
	if err == nil {
		err = r.share(ctx, run.ID)
	}
	if err == nil {
		if n := r.supersede(ctx, t, run); n > 0 {
			finish.log.note(fmt.Sprintf("deleted %d older saved plan(s) of %s by %s: this plan supersedes them", n, t.Project.Name, t.Trigger))
		}
	}
	return run, finish.done(ctx, err)
}

// plan prepares t (worktree, init), runs the engine's plan, then reads the
// saved plan back. With a, a plan run of its own, it is a pipeline of three
// stages, each as wide as the worker pool: preparing (the run holds a.prep
// from begin), planning (a worker slot, taken before the engine plans, and
// a.prep then goes to the next run), and reading back (`show -json`), at a
// lower CPU priority so it takes the cores the next plan leaves idle
// rather than slowing it. So the next project inits while this one plans,
// and the worker slot bounds what loads a cloud's API: plan and apply.
// Without a (an apply planning again) the caller's worker slot covers it
// all. The project's directory stays locked until the run is done.
func (r *Runner) plan(ctx context.Context, t Target, run *plumb.Run, log *runLog, a *active) error {
	dir := r.runDir(run.ID)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	w, err := r.prepare(ctx, t, dir, log)
	if err != nil {
		return err
	}
	defer w.close()
	run.Engine, run.EngineVersion = w.bin.Engine, w.bin.VersionString()
	r.storeEngine(ctx, run)
	planPath := filepath.Join(dir, planFile)
	if a != nil {
		if err := a.takeWorker(ctx); err != nil {
			return err
		}
	}
	// The state this plan starts from, for apply's stale-plan check.
	stateDigest := ""
	if !w.cfg.HasBackend {
		stateDigest = fileDigest(stateFile(r.stateDir(t.Repo, t.Project.Dir), workspaceOf(t.Project)))
	}
	events := ""
	if r.streamsEvents(w, t, run) {
		events = filepath.Join(dir, planEvents)
		defer os.Remove(events) // read at once; gone even when the plan failed
	}
	changed, text, err := r.runPlan(ctx, w, planPath, events, log, run.Kind == plumb.RunDrift)
	if err != nil {
		return err
	}
	if err := os.Chmod(planPath, 0o600); err != nil {
		return err
	}
	readBack := func() { err = r.readPlan(ctx, w, run, dir, planPath, text, events, t.Policy) }
	if a != nil {
		a.freeSlot()
		release, waitErr := acquire(ctx, r.readBacks)
		if waitErr != nil {
			return waitErr
		}
		// Nothing but this run waits for the read-back; a plan of another
		// project may hold the worker now and goes first.
		lowPriority(readBack)
		release()
	} else {
		readBack()
	}
	if err != nil {
		return err
	}
	run.Status = plumb.RunNoChanges
	if changed && !run.Summary.Empty() {
		run.Status = plumb.RunChanges
	} else if err := os.Remove(planPath); err != nil {
		return err // nothing to apply: the saved plan need not outlive the run
	}
	inputs, err := inputsDigest(t.Tree, t.Project)
	if err != nil {
		return err
	}
	return runfiles.WriteMeta(dir, runfiles.Meta{RunID: run.ID, Commit: t.Commit, Base: t.Base, PlanSHA256: run.PlanSHA256,
		StateSHA256: stateDigest, HasChanges: run.Status == plumb.RunChanges, InputsSHA256: inputs,
		Engine: w.bin.Engine, EngineVersion: w.bin.VersionString()})
}

// runPlan runs `plan -out`, initialising again once if the engine says the
// working directory needs it (a provider or module the fingerprint missed).
// It returns the engine's human-readable plan from the same run: asking
// `show` for it again would cost one more engine start per project. A
// drift check's plan takes no state lock: it only reads the state, and a
// lock held by it would make an apply of the project fail. With events,
// the engine also streams its machine-readable events there.
func (r *Runner) runPlan(ctx context.Context, w *workdir, planPath, events string, log *runLog, drift bool) (bool, string, error) {
	opts := []tfexec.PlanOption{tfexec.Out(planPath)}
	if drift {
		opts = append(opts, tfexec.Lock(false))
	}
	if w.varFile != "" {
		opts = append(opts, tfexec.VarFile(w.varFile))
	}
	var out strings.Builder
	stdout := io.MultiWriter(w.log, &out)
	plan := func() (bool, error) {
		if events != "" {
			return r.planWithEvents(ctx, w, planPath, events, stdout, drift)
		}
		w.tf.SetStdout(stdout)
		defer w.tf.SetStdout(w.log)
		return w.tf.Plan(ctx, opts...)
	}
	changed, err := plan()
	if err != nil && ctx.Err() == nil && needsInit(err) {
		log.note("the engine asks for init; running it again")
		if err := r.reinit(ctx, w, log); err != nil {
			return false, "", fmt.Errorf("init: %w", err)
		}
		out.Reset()
		changed, err = plan()
	}
	if err != nil {
		return false, "", fmt.Errorf("plan: %w", err)
	}
	return changed, out.String(), nil
}

func needsInit(err error) bool {
	s := err.Error()
	return strings.Contains(s, "init\" ") || strings.Contains(s, "Inconsistent dependency lock file") ||
		strings.Contains(s, "Module not installed") || strings.Contains(s, "Backend initialization required") ||
		strings.Contains(s, "Required plugins are not installed")
}

// readPlan reads the saved plan back as JSON and text, redacts both and
// fills the run's summary. When the plan streamed events that say all the
// run needs, they are read instead and the engine is not started again.
func (r *Runner) readPlan(ctx context.Context, w *workdir, run *plumb.Run, dir, planPath, text, events string, pc *PolicyCheck) error {
	if events != "" {
		s, why, ok := readEvents(events)
		if ok {
			run.Summary, run.Resources, run.ChangesOutside = s.Summary, s.Resources, s.Drifted
			return r.keepPlanText(run, dir, planPath, text)
		}
		fmt.Fprintf(w.log, "plumb: reading the plan document: the plan's events do not say it all (%s)\n", why)
	}
	// show prints the whole plan with real values to stdout: keep it out of
	// the run log.
	w.tf.SetStdout(io.Discard)
	defer w.tf.SetStdout(w.log)
	p, err := w.tf.ShowPlanFile(ctx, planPath)
	if err != nil {
		return fmt.Errorf("show plan: %w", err)
	}
	raw, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("show plan: %w", err)
	}
	redacted, secrets, err := planout.RedactJSON(raw)
	if err != nil {
		return err
	}
	r.redactor.Add(secrets...)
	if err := os.WriteFile(filepath.Join(dir, planJSON), r.redactor.Bytes(redacted), 0o600); err != nil {
		return err
	}
	// The text first: a run whose policy check errors still shows its plan.
	if err := r.keepPlanText(run, dir, planPath, text); err != nil {
		return err
	}
	run.Summary, run.Resources = planout.Summarize(p)
	if err := r.checkPolicy(ctx, pc, run, raw); err != nil {
		return err
	}
	if run.Kind == plumb.RunDrift {
		// Classified from the real plan: a sensitive value changed out of
		// band differs there, not in the redacted copy. Only addresses and
		// attribute paths come out.
		d := drift.Classify(p, nil)
		d.Error = r.redactor.String(d.Error)
		run.Drift = &d
	}
	run.ChangesOutside = len(p.ResourceDrift)
	return nil
}

// keepPlanText stores the human-readable plan, redacted, and the saved
// plan's digest: what an apply checks it applies.
func (r *Runner) keepPlanText(run *plumb.Run, dir, planPath, text string) error {
	run.PlanText = r.redactor.String(planout.TrimText(text))
	if err := os.WriteFile(filepath.Join(dir, planText), []byte(run.PlanText), 0o600); err != nil {
		return err
	}
	run.PlanSHA256 = fileDigest(planPath)
	if run.PlanSHA256 == "" {
		return errors.New("plan file vanished before it could be hashed")
	}
	return nil
}
