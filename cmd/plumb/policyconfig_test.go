package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/internal/testenv"
)

// writePolicyConfig writes a --policy-config file and the files it names
// (path → content, relative to the file's directory) into a new directory.
func writePolicyConfig(t *testing.T, config string, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	files["policies.yaml"] = config
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "policies.yaml")
}

const frozen = "package main\n\ndeny contains \"this environment is frozen\" if true\n"

// A --policy-config set with environments: [prod] checks the prod
// project's plan (denied) and not the dev project's (passed, unchecked).
func TestPolicyConfigPerEnvironment(t *testing.T) {
	t.Parallel()
	c := serveConfig{PolicyConfig: writePolicyConfig(t, "policies:\n  - name: freeze\n    dirs: [policy/freeze]\n    environments: [prod]\n",
		map[string]string{"policy/freeze/freeze.rego": frozen})}
	if err := c.loadPolicy(); err != nil {
		t.Fatal(err)
	}
	w := newPRWorld(t)
	w.env.Settings.PolicySets = c.policySets
	head := w.push("app", "modules/app/main.tf", "variable \"env\" {\n  type = string\n}\n\nvariable \"out_dir\" {\n  type = string\n}\n\n"+
		"module \"label\" {\n  source = \"../label\"\n  env    = var.env\n}\n\nresource \"local_file\" \"config\" {\n"+
		"  filename = \"${var.out_dir}/${module.label.name}.txt\"\n  content  = \"name = ${module.label.name}\\nv = 2\\n\"\n}\n")
	if err := w.handle(w.event("opened", 9, "app", head, false)); err != nil {
		t.Fatalf("opened: %v", err)
	}
	runs, err := w.store.Runs(context.Background(), plumb.RunFilter{Kind: plumb.RunPlan, Trigger: "PR #9", Commit: head})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*plumb.Run{}
	for _, r := range runs {
		got[r.Project] = r
	}
	if r := got["app-prod"]; r == nil || r.Policy == nil || r.Policy.Passed || len(r.Policy.Deny) != 1 || r.Policy.Deny[0].Message != "this environment is frozen" {
		t.Errorf("app-prod's plan: %+v; want it denied by freeze", r)
	}
	if r := got["app-dev"]; r == nil || r.Status != plumb.RunChanges || r.Policy != nil {
		t.Errorf("app-dev's plan: %+v; want it planned, unchecked by freeze", r)
	}
	st := w.gh.LatestStatuses("acme", "infra", head)
	if st["plumb/plan: app-prod"].State != "failure" || st["plumb/plan: app-dev"].State != "success" {
		t.Errorf("statuses %s; want app-prod failure, app-dev success", toString(st))
	}
}

// A broken --policy-config, or a policy of it that does not compile, stops
// plumb serve at start with the file and line.
func TestServePolicyConfigStartupError(t *testing.T) {
	t.Parallel()
	for name, tt := range map[string]struct {
		config string
		files  map[string]string
		want   string // after the config's directory
	}{
		"unknown key": {"policies:\n  - dirs: [p]\n    namespace: [main]\n", map[string]string{}, "policies.yaml:3:5: policies[0].namespace: unknown key"},
		"bad glob":    {"policies:\n  - dirs: [p]\n    projects: [\"[\"]\n", map[string]string{}, `policies.yaml:3:16: policies[0].projects[0]: invalid glob "["`},
		"bad policy":  {"policies:\n  - dirs: [p]\n", map[string]string{"p/x.rego": "package main\n\ndeny contains msg if {\n\tmsg := \n}\n"}, filepath.Join("p", "x.rego") + ":"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			file := writePolicyConfig(t, tt.config, tt.files)
			// A server that starts anyway is killed, not waited for.
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, testenv.BuildPlumb(t), "serve", "--listen", "127.0.0.1:0", "--data-dir", t.TempDir(),
				"--insecure-skip-webhook-verify", "--policy-config", file)
			got, err := cmd.CombinedOutput()
			want := filepath.Join(filepath.Dir(file), tt.want)
			if cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != 1 || !strings.Contains(string(got), want) {
				t.Fatalf("plumb serve --policy-config: %v, output:\n%s\nwant exit 1 with %q", err, got, want)
			}
			t.Logf("%s", got)
		})
	}
}
