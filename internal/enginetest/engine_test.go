package enginetest

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/plumbhq/plumb/internal/testenv"
)

// engine runs one engine binary in one working directory with its own
// TF_DATA_DIR, so parallel tests never share .terraform or a plugin cache.
type engine struct {
	t       *testing.T
	bin     string
	dir     string
	env     []string
	offline []string
}

// newEngine runs the engine called name: one of engines (an exact version,
// tofu_1.12.6) or a plain "tofu"/"terraform" for the default on PATH.
func newEngine(t *testing.T, name, fixture string) *engine {
	t.Helper()
	tl := testenv.Load(t)
	bin := filepath.Join(tl.BinDir, name)
	for _, e := range testenv.Engines {
		if e.File() == name {
			bin = tl.Path(t, e)
		}
	}
	repo := testenv.NewRepo(t, fixture)
	env := append(testenv.Env(t), "TF_DATA_DIR="+t.TempDir())
	return &engine{t: t, bin: bin, dir: repo.Dir, env: env, offline: testenv.Offline(t)}
}

// run runs the engine with no network and returns its exit code; any code
// not in ok fails the test with the engine's output.
func (e *engine) run(ok []int, args ...string) (int, string) {
	e.t.Helper()
	argv := append(append(slices.Clone(e.offline), e.bin), append(args, "-no-color")...)
	cmd := exec.CommandContext(e.t.Context(), argv[0], argv[1:]...)
	cmd.Dir, cmd.Env = e.dir, e.env
	out, err := cmd.CombinedOutput()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		e.t.Fatalf("%s %s: %v", filepath.Base(e.bin), args[0], err)
	}
	if !slices.Contains(ok, code) {
		e.t.Fatalf("%s %s: exit %d, want one of %v\n%s", filepath.Base(e.bin), strings.Join(args, " "), code, ok, out)
	}
	return code, string(out)
}

// planJSON is the part of `show -json PLAN` these tests read.
type planJSON struct {
	ResourceDrift   []resourceChange `json:"resource_drift"`
	ResourceChanges []resourceChange `json:"resource_changes"`
}

type resourceChange struct {
	Address string `json:"address"`
	Change  struct {
		Actions []string `json:"actions"`
	} `json:"change"`
}

func (e *engine) show(plan string) planJSON {
	e.t.Helper()
	_, out := e.run([]int{0}, "show", "-json", plan)
	var p planJSON
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		e.t.Fatalf("show -json %s: %v\n%s", plan, err, out)
	}
	return p
}

// applied inits, plans to a file and applies that plan.
func (e *engine) applied() planJSON {
	e.t.Helper()
	e.run([]int{0}, "init", "-input=false")
	e.run([]int{0}, "plan", "-input=false", "-out=first.tfplan")
	p := e.show("first.tfplan")
	e.run([]int{0}, "apply", "-input=false", "first.tfplan")
	return p
}

func actions(changes []resourceChange) map[string]string {
	m := map[string]string{}
	for _, c := range changes {
		m[c.Address] = strings.Join(c.Change.Actions, ",")
	}
	return m
}

// engines names every engine binary `make tools` builds (tofu_1.10.6,
// tofu_1.12.6, terraform_1.5.7): each test that ranges over it holds on
// every engine plumb may pick, not only the defaults on PATH.
var engines = func() []string {
	var names []string
	for _, e := range testenv.Engines {
		names = append(names, e.File())
	}
	return names
}()

// TestVersions: each engine reports exactly its version (a "-dev" suffix
// would break plumb's exact-version matching), and bin/ holds the defaults.
func TestVersions(t *testing.T) {
	t.Parallel()
	tl := testenv.Load(t)
	want := map[string]string{tl.Tofu: testenv.DefaultTofu.Reports(), tl.Terraform: "Terraform v1.5.7"}
	for _, e := range testenv.Engines {
		want[tl.Path(t, e)] = e.Reports()
	}
	for bin, want := range want {
		cmd := exec.Command(bin, "version")
		cmd.Env = testenv.Env(t)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s version: %v", bin, err)
		}
		if first, _, _ := strings.Cut(string(out), "\n"); first != want {
			t.Errorf("%s version = %q, want %q (exactly: plumb matches versions exactly)", bin, first, want)
		}
	}
}

// TestLifecycle: init, plan -out, show -json and apply, offline, per engine.
func TestLifecycle(t *testing.T) {
	t.Parallel()
	for _, name := range engines {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEngine(t, name, "fixtures/basic")
			p := e.applied()
			got := actions(p.ResourceChanges)
			for _, addr := range []string{"random_string.suffix", "null_resource.marker", "local_file.greeting"} {
				if got[addr] != "create" {
					t.Errorf("plan: %s actions = %q, want create (all: %v)", addr, got[addr], got)
				}
			}
			b, err := os.ReadFile(filepath.Join(e.dir, "out", "greeting.txt"))
			if err != nil || !strings.HasPrefix(string(b), "hello ") {
				t.Fatalf("apply did not write out/greeting.txt: %q, %v", b, err)
			}
			if code, out := e.run([]int{0, 2}, "plan", "-input=false", "-detailed-exitcode"); code != 0 {
				t.Errorf("plan after apply: exit %d, want 0 (no changes)\n%s", code, out)
			}
		})
	}
}

// TestDrift proves drift is real: an out-of-band change makes the next plan
// exit 2 and list the resource under resource_drift.
func TestDrift(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, fixture, address string
		outOfBand              func(t *testing.T, dir string)
	}{
		{"deleted_file", "fixtures/basic", "local_file.greeting", func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, "out", "greeting.txt")); err != nil {
				t.Fatal(err)
			}
		}},
		{"edited_file", "fixtures/basic", "local_file.greeting", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, "out", "greeting.txt"), []byte("edited\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"expired_time_rotating", "fixtures/rotating", "time_rotating.key", func(*testing.T, string) {}},
	}
	for _, name := range engines {
		for _, tc := range cases {
			t.Run(name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				e := newEngine(t, name, tc.fixture)
				e.applied()
				tc.outOfBand(t, e.dir)
				e.run([]int{2}, "plan", "-input=false", "-detailed-exitcode", "-out=drift.tfplan")
				p := e.show("drift.tfplan")
				if got := actions(p.ResourceDrift)[tc.address]; got != "delete" {
					t.Errorf("resource_drift[%s] = %q, want delete (all: %v)", tc.address, got, actions(p.ResourceDrift))
				}
				if got := actions(p.ResourceChanges)[tc.address]; got != "create" {
					t.Errorf("resource_changes[%s] = %q, want create", tc.address, got)
				}
			})
		}
	}
}
