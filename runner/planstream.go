package runner

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"strings"
	"syscall"

	"github.com/hashicorp/go-version"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/engine"
	"github.com/plumbhq/plumb/runner/planout"
)

// tofuJSONInto is the first OpenTofu whose plan writes its machine-readable
// events to a file beside the human-readable plan (-json-into).
var tofuJSONInto = version.Must(version.NewVersion("1.11.0"))

// planEvents is the file in a run's dir the engine streams its events to;
// it is read and deleted as soon as the plan ends.
const planEvents = "plan-events.jsonl"

// streamsEvents says whether a plan of t by w can be read from its events
// alone, with no `show -json` after it: the engine streams them, and
// nothing needs the plan document itself: not a drift check (it
// classifies values), not a policy (it reads the document). Whether the
// events suffice is known only after the plan (planout.Stream.Complete).
func (r *Runner) streamsEvents(w *workdir, t Target, run *plumb.Run) bool {
	if !streams(w.bin) || run.Kind == plumb.RunDrift {
		return false
	}
	pc := t.Policy
	if pc == nil {
		pc = r.policy
	}
	if pc != nil {
		for _, s := range pc.Sets {
			if s.Set != nil && (s.Applies == nil || s.Applies(run)) {
				return false
			}
		}
	}
	return true
}

func streams(bin engine.Binary) bool {
	return bin.Engine == plumb.EngineTofu && bin.Version != nil && bin.Version.Core().GreaterThanOrEqual(tofuJSONInto)
}

// planWithEvents runs `plan -out` with the arguments and environment
// terraform-exec would give it, plus -json-into=events, which
// terraform-exec cannot pass. Human-readable output goes to stdout and the
// run log; the error, like terraform-exec's, carries the engine's stderr.
func (r *Runner) planWithEvents(ctx context.Context, w *workdir, planPath, events string, stdout io.Writer, drift bool) (bool, error) {
	args := []string{"plan", "-no-color", "-input=false", "-detailed-exitcode", "-lock-timeout=0s", "-out=" + planPath}
	if w.varFile != "" {
		args = append(args, "-var-file="+w.varFile)
	}
	args = append(args, fmt.Sprintf("-lock=%t", !drift), "-parallelism=10", "-refresh=true", "-json-into="+events)
	cmd := exec.CommandContext(ctx, w.bin.Path, args...)
	cmd.Dir = w.dir
	cmd.Env = engineEnv(w.env)
	var stderr strings.Builder
	cmd.Stdout = stdout
	cmd.Stderr = io.MultiWriter(w.log, &stderr)
	// As terraform-exec: an interrupt first, so the engine can release its
	// state lock; the provider processes die with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = r.grace
	err := cmd.Run()
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if cmd.ProcessState != nil {
		switch cmd.ProcessState.ExitCode() {
		case 0:
			return false, nil
		case 2:
			return true, nil
		}
	}
	return false, fmt.Errorf("%w\n\n%s", err, strings.TrimSpace(stderr.String()))
}

// engineEnv is what terraform-exec's buildEnv makes of the environment it
// was given: no engine logging (it would mix into the output), automation
// mode, workspaces chosen by the workspace commands only.
func engineEnv(given map[string]string) []string {
	env := maps.Clone(given)
	if _, ok := env["CHECKPOINT_DISABLE"]; !ok {
		env["CHECKPOINT_DISABLE"] = os.Getenv("CHECKPOINT_DISABLE")
	}
	for _, k := range []string{"TF_LOG", "TF_LOG_CORE", "TF_LOG_PATH", "TF_LOG_PROVIDER"} {
		env[k] = ""
	}
	env["TF_IN_AUTOMATION"] = "1"
	delete(env, "TF_WORKSPACE")
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

// readEvents reads and deletes the events a plan streamed. ok is false
// when they do not say all the run needs; why then says what is missing.
func readEvents(path string) (s planout.Stream, why string, ok bool) {
	f, err := os.Open(path)
	if err != nil {
		return s, "no plan events: " + err.Error(), false
	}
	defer os.Remove(path)
	defer f.Close()
	s, err = planout.ReadStream(f)
	if err != nil {
		return s, err.Error(), false
	}
	return s, s.Why, s.Complete
}
