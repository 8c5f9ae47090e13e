package enginetest

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/drift"
	"github.com/plumbhq/plumb/internal/testenv"
)

// driftConfig is one of drift's fixture configurations, the ones
// scripts/drift-fixtures.sh plans for drift's table tests.
func driftConfig(t *testing.T, name string) string {
	return filepath.Join(testenv.RepoRoot(t), "drift", "testdata", "configs", name)
}

func newDriftEngine(t *testing.T, name, config string) *engine {
	t.Helper()
	return newEngine(t, name, driftConfig(t, config))
}

// merged replaces the configuration with another, as a merge that was not
// applied does.
func (e *engine) merged(config string) {
	e.t.Helper()
	src := driftConfig(e.t, config)
	b, err := os.ReadFile(filepath.Join(src, "main.tf"))
	if err != nil {
		e.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(e.dir, "main.tf"), b, 0o644); err != nil {
		e.t.Fatal(err)
	}
}

// classify plans (a normal plan, refresh included) and classifies the
// plan's `show -json`, which is read from stdout alone.
func (e *engine) classify() plumb.DriftResult {
	e.t.Helper()
	e.run([]int{0}, "plan", "-input=false", "-out=drift.tfplan")
	argv := append(slices.Clone(e.offline), e.bin, "show", "-json", "drift.tfplan")
	cmd := exec.CommandContext(e.t.Context(), argv[0], argv[1:]...)
	cmd.Dir, cmd.Env = e.dir, e.env
	out, err := cmd.Output()
	if err != nil {
		e.t.Fatalf("show -json: %v", err)
	}
	return drift.ClassifyJSON(out, nil)
}

func (e *engine) remove(name string) {
	e.t.Helper()
	if err := os.Remove(filepath.Join(e.dir, name)); err != nil {
		e.t.Fatal(err)
	}
}

func (e *engine) edit(name string) {
	e.t.Helper()
	if err := os.WriteFile(filepath.Join(e.dir, name), []byte("edited outside\n"), 0o644); err != nil {
		e.t.Fatal(err)
	}
}

func oob(addr, action string, attrs ...string) plumb.DriftFinding {
	return plumb.DriftFinding{Address: addr, Kind: plumb.DriftOutOfBand, Action: action, Attributes: append([]string{}, attrs...)}
}

func pend(addr, action string, attrs ...string) plumb.DriftFinding {
	return plumb.DriftFinding{Address: addr, Kind: plumb.DriftPending, Action: action, Attributes: append([]string{}, attrs...)}
}

// TestDriftClassify drives real drift through the engines, classifies each
// plan with drift.Classify and checks every finding: out of band told apart
// from pending, and nothing where nothing changed.
func TestDriftClassify(t *testing.T) {
	t.Parallel()
	merged := []plumb.DriftFinding{
		pend("null_resource.gone", "delete"),
		pend("null_resource.n", "replace", "triggers.env"),
		pend("null_resource.new", "create"),
		pend("time_sleep.w", "update", "destroy_duration"),
	}
	cases := []struct {
		name, config string
		engines      []string
		setup        func(e *engine) // after init
		status       plumb.DriftStatus
		want         []plumb.DriftFinding
	}{
		{"deleted_file", "base", engines, func(e *engine) { e.apply(); e.remove("out/a.txt") },
			plumb.DriftDrifted, []plumb.DriftFinding{oob("local_file.a", "delete")}},
		{"edited_file", "base", engines, func(e *engine) { e.apply(); e.edit("out/b.txt") },
			plumb.DriftDrifted, []plumb.DriftFinding{oob("local_file.b", "delete")}},
		{"expired_rotating", "rotating", engines, func(e *engine) { e.apply() },
			plumb.DriftDrifted, []plumb.DriftFinding{oob("time_rotating.key", "delete")}},
		{"pending", "base", engines, func(e *engine) { e.apply(); e.merged("base-next") },
			plumb.DriftPendingOnly, append([]plumb.DriftFinding{pend("local_file.a", "replace", "content")}, merged...)},
		{"never_applied", "base", engines, func(*engine) {}, plumb.DriftPendingOnly, []plumb.DriftFinding{
			pend("local_file.a", "create"), pend("local_file.b", "create"), pend("null_resource.gone", "create"),
			pend("null_resource.n", "create"), pend("time_sleep.w", "create"),
		}},
		{"both", "base", engines, func(e *engine) {
			e.apply()
			e.remove("out/a.txt")
			e.edit("out/b.txt")
			e.merged("base-next")
		}, plumb.DriftDriftedPending, append([]plumb.DriftFinding{
			oob("local_file.a", "delete"), pend("local_file.a", "update", "content"), oob("local_file.b", "delete"),
		}, merged...)},
		{"sensitive_changed", "secret", engines, func(e *engine) { e.apply(); e.merged("secret-next") },
			plumb.DriftPendingOnly, []plumb.DriftFinding{
				pend("local_file.s", "replace", "sensitive_content"), pend("null_resource.t", "replace", "triggers.token"),
			}},
		{"sensitive_deleted", "secret", engines, func(e *engine) { e.apply(); e.remove("out/s.txt") },
			plumb.DriftDrifted, []plumb.DriftFinding{oob("local_file.s", "delete")}},
		// Terraform 1.5 has no removed block.
		{"state_only", "state-only", []string{"tofu"}, func(e *engine) { e.apply(); e.merged("state-only-next") },
			plumb.DriftPendingOnly, []plumb.DriftFinding{pend("null_resource.b", drift.ActionForget), pend("time_static.t", drift.ActionImport)}},
	}
	for _, tc := range cases {
		for _, name := range tc.engines {
			t.Run(name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				e := newDriftEngine(t, name, tc.config)
				e.run([]int{0}, "init", "-input=false")
				tc.setup(e)
				got := e.classify()
				want := plumb.DriftResult{Status: tc.status, Resources: tc.want}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("Classify (-want +got):\n%s", diff)
				}
			})
		}
	}
}

// TestDriftUntouchedIsClean: zero false positives. An applied project no
// one touched is clean on every one of three plans, and the engine agrees
// there is nothing to do.
func TestDriftUntouchedIsClean(t *testing.T) {
	t.Parallel()
	for _, name := range engines {
		for _, config := range []string{"base", "secret"} {
			t.Run(name+"/"+config, func(t *testing.T) {
				t.Parallel()
				e := newDriftEngine(t, name, config)
				e.run([]int{0}, "init", "-input=false")
				e.apply()
				for i := range 3 {
					if got := e.classify(); got.Status != plumb.DriftClean || len(got.Resources) != 0 {
						t.Errorf("plan %d: status %s, findings %v; want clean and none", i+1, got.Status, got.Resources)
					}
				}
				if code, out := e.run([]int{0, 2}, "plan", "-input=false", "-detailed-exitcode"); code != 0 {
					t.Errorf("plan -detailed-exitcode = %d, want 0\n%s", code, out)
				}
			})
		}
	}
}

// TestDriftInitError: a project that fails to init is error, with the
// engine's message, never clean.
func TestDriftInitError(t *testing.T) {
	t.Parallel()
	for _, name := range engines {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newDriftEngine(t, name, "broken")
			_, out := e.run([]int{1}, "init", "-input=false")
			got := drift.Classify(nil, errors.New(name+" init: "+out))
			if got.Status != plumb.DriftError || got.Error != name+" init: "+out || !strings.Contains(got.Error, "nosuch") || len(got.Resources) != 0 {
				t.Errorf("Classify = %+v, want status error with the init output", got)
			}
		})
	}
}

// apply plans to a file and applies that plan.
func (e *engine) apply() {
	e.t.Helper()
	e.run([]int{0}, "plan", "-input=false", "-out=apply.tfplan")
	e.run([]int{0}, "apply", "-input=false", "apply.tfplan")
}
