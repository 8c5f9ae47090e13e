package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	goversion "github.com/hashicorp/go-version"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/internal/testenv"
)

// TestEachEngineRoundTrip runs the same plan, apply, plan-again and
// redaction checks on every engine `make tools` builds: one project per
// engine, each pinned by its version constraint, all found through
// --bin-dir .tools/engines, and each run must say it ran that exact engine.
func TestEachEngineRoundTrip(t *testing.T) {
	t.Parallel()
	e := newE2E(t, "fixtures/secrets")
	tl := testenv.Load(t)
	src, err := os.ReadFile(filepath.Join(e.repo.Dir, "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]testenv.Engine{} // project → the engine it must run
	yaml := "version: 1\nprojects:\n"
	for _, eng := range testenv.Engines {
		tl.Path(t, eng) // skips, or fails under CI, when make tools is older
		name := eng.File()
		want[name] = eng
		e.repo.Write(name+"/main.tf", string(src))
		yaml += "  - name: " + name + "\n    dir: " + name + "\n    engine: " + eng.Name + "\n    version: \"= " + eng.Version + "\"\n"
	}
	e.repo.Remove("main.tf")
	e.repo.Write("plumb.yaml", yaml)
	e.repo.Commit("one project per engine")

	const pw, token = "canary-pw-3c1d88e0", "canary-token-95ab27f4"
	e.env = append(e.env, "PLUMB_BIN_DIR="+tl.EnginesDir, "TF_VAR_db_password="+pw, "TF_VAR_label="+token,
		"DEPLOY_TOKEN="+token, "PLUMB_SECRET_ENV=DEPLOY_TOKEN", "PLUMB_LOG_LEVEL=debug")
	var outputs []string
	check := func(verb string, out runsJSON, status string) {
		t.Helper()
		if len(out.Runs) != len(want) {
			t.Fatalf("%s: %d runs, want one per engine (%d): %+v", verb, len(out.Runs), len(want), out.Runs)
		}
		for _, r := range out.Runs {
			eng := want[r.Project]
			if r.Status != status || r.Engine != eng.Name || r.EngineVersion != eng.Version {
				t.Errorf("%s %s: %s with %s %s (%s), want %s with %s %s", verb, r.Project, r.Status, r.Engine, r.EngineVersion, r.Error, status, eng.Name, eng.Version)
			}
			if r.Replanned != "" {
				t.Errorf("%s %s was planned again (%s), want its saved plan applied", verb, r.Project, r.Replanned)
			}
		}
	}

	// The human plan shows each engine's plan text, where the --secret-env
	// value must appear redacted.
	human := e.plumb("plan", "--comment-out", filepath.Join(e.data, "comment.md"))
	if human.code != 0 {
		t.Fatalf("plan: exit %d\n%s", human.code, human.stderr)
	}
	outputs = append(outputs, human.stdout, human.stderr)
	if n := strings.Count(human.stdout, `"label" = "`+plumb.Redacted+`"`); n < len(want) {
		t.Errorf("the plan text shows the label redacted %d times, want at least once per engine (%d):\n%s", n, len(want), human.stdout)
	}
	for _, step := range []struct {
		args   []string
		code   int
		status string
	}{
		{[]string{"plan", "--detailed-exitcode"}, 2, "changes"},
		{[]string{"apply", "--auto-approve"}, 0, "applied"},
		{[]string{"plan", "--detailed-exitcode"}, 0, "no_changes"},
	} {
		res := e.plumb(append(step.args, "--json")...)
		outputs = append(outputs, res.stdout, res.stderr)
		if res.code != step.code {
			t.Fatalf("plumb %v: exit %d, want %d\n%s\n%s", step.args, res.code, step.code, res.stdout, res.stderr)
		}
		check(step.args[0], decodeRuns(t, res.stdout), step.status)
	}
	for i, out := range outputs {
		for _, secret := range []string{pw, token} {
			if strings.Contains(out, secret) {
				t.Errorf("output %d shows the secret %q:\n%s", i, secret, out)
			}
		}
	}
	secretsOnlyInState(t, e.data, pw, token)
}

// TestPlanNeverAppliedByAnotherEngineVersion: a saved plan is applied only
// by the engine version that made it. The project asks for no version, so
// plumb takes the newest tofu it finds: 1.10.6 on PATH alone, 1.12.6 once
// .tools/engines is a --bin-dir. An apply that would run another version
// plans again with it and says why.
func TestPlanNeverAppliedByAnotherEngineVersion(t *testing.T) {
	t.Parallel()
	e := newE2E(t, "fixtures/basic")
	tl := testenv.Load(t)
	// The newest OpenTofu built: what an unpinned project gets with --bin-dir.
	var newer testenv.Engine
	for _, eng := range testenv.Engines {
		if eng.Name == "tofu" && (newer.Version == "" || goversion.Must(goversion.NewVersion(eng.Version)).GreaterThan(goversion.Must(goversion.NewVersion(newer.Version)))) {
			newer = eng
		}
	}
	if newer == testenv.DefaultTofu {
		t.Fatalf("make tools builds no OpenTofu newer than the default %s", newer.Version)
	}
	tl.Path(t, newer)
	old, withEngines := e.env, append(e.env, "PLUMB_BIN_DIR="+tl.EnginesDir)

	e.env = old
	plan := e.runsOf(2, "plan", "--detailed-exitcode")
	if r := plan.Runs[0]; r.EngineVersion != testenv.DefaultTofu.Version {
		t.Fatalf("plan on PATH alone ran tofu %s, want the default %s", r.EngineVersion, testenv.DefaultTofu.Version)
	}
	e.env = withEngines
	r := e.runsOf(0, "apply", "--auto-approve").Runs[0]
	wantWhy := "was made with tofu " + testenv.DefaultTofu.Version + ", and this apply would run tofu " + newer.Version
	if r.Status != "applied" || r.EngineVersion != newer.Version || !strings.Contains(r.Replanned, wantWhy) {
		t.Errorf("apply: %s with tofu %s, replanned %q (%s); want applied with %s after planning again because the plan %s",
			r.Status, r.EngineVersion, r.Replanned, r.Error, newer.Version, wantWhy)
	}

	// The other way round: a plan by the newer tofu, which is then gone
	// from the search (PATH alone, as if removed from the bin dir).
	e.repo.Write("extra.tf", "resource \"null_resource\" \"extra\" {}\n")
	e.repo.Commit("one more resource")
	if r := e.runsOf(2, "plan", "--detailed-exitcode").Runs[0]; r.EngineVersion != newer.Version {
		t.Fatalf("plan with --bin-dir ran tofu %s, want %s", r.EngineVersion, newer.Version)
	}
	e.env = old
	r = e.runsOf(0, "apply", "--auto-approve").Runs[0]
	wantWhy = "was made with tofu " + newer.Version + ", and this apply would run tofu " + testenv.DefaultTofu.Version
	if r.Status != "applied" || r.EngineVersion != testenv.DefaultTofu.Version || !strings.Contains(r.Replanned, wantWhy) {
		t.Errorf("apply without the newer tofu: %s with tofu %s, replanned %q (%s); want applied with %s after planning again because the plan %s",
			r.Status, r.EngineVersion, r.Replanned, r.Error, testenv.DefaultTofu.Version, wantWhy)
	}
}

func decodeRuns(t *testing.T, stdout string) runsJSON {
	t.Helper()
	var out runsJSON
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("--json: %v\n%s", err, stdout)
	}
	return out
}

// secretsOnlyInState fails the test when any file under dir but a 0600
// state file holds one of secrets (the database and its WAL included).
func secretsOnlyInState(t *testing.T, dir string, secrets ...string) {
	t.Helper()
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, secret := range secrets {
			if !bytes.Contains(data, []byte(secret)) {
				continue
			}
			info, _ := d.Info()
			if strings.HasSuffix(path, ".tfstate") || strings.HasSuffix(path, ".tfstate.backup") {
				if info.Mode().Perm() != 0o600 {
					t.Errorf("%s holds a secret with mode %v, want 0600", path, info.Mode().Perm())
				}
				continue
			}
			t.Errorf("%s contains the secret %q", path, secret)
		}
		return nil
	})
}
