package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plumbhq/plumb"
)

// prodCreates denies any create in a prod project: it reads input.plumb,
// which only plumb's own runs fill.
const prodCreates = `package main

deny_prod_create contains msg if {
	input.plumb.environment == "prod"
	some rc in input.resource_changes
	"create" in rc.change.actions
	msg := sprintf("%s: no creates in %s (%s at %s)", [rc.address, input.plumb.project, input.plumb.dir, substring(input.plumb.commit, 0, 7)])
}

warn contains msg if {
	some rc in input.resource_changes
	"create" in rc.change.actions
	msg := sprintf("%s: created", [rc.address])
}
`

func policyDir(t *testing.T, rego string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "policy.rego"), []byte(rego), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// plumb plan --policy fills each run's policy field from the real plan,
// with input.plumb; a denial alone does not change plan's exit code.
func TestPolicyOnPlan(t *testing.T) {
	t.Parallel()
	e := newE2E(t, "fixtures/mono")
	pol := policyDir(t, prodCreates)
	out := e.runsOf(0, "plan", "--policy", pol, "-p", "net-dev", "-p", "app-prod")
	byName := map[string]runJSON{}
	for _, r := range out.Runs {
		byName[r.Project] = r
	}
	prod, dev := byName["app-prod"], byName["net-dev"]
	if prod.Policy.Passed || len(prod.Policy.Deny) == 0 {
		t.Fatalf("app-prod policy = %+v, want denied", prod.Policy)
	}
	d := prod.Policy.Deny[0]
	if d.Rule != "deny_prod_create" || d.Namespace != "main" ||
		!strings.Contains(d.Message, ": no creates in app-prod (envs/prod/app at "+e.repo.Head()[:7]+")") {
		t.Errorf("app-prod denial = %+v", d)
	}
	if !dev.Policy.Passed || len(dev.Policy.Deny) != 0 || len(dev.Policy.Warn) == 0 {
		t.Errorf("net-dev policy = %+v, want passed with warnings", dev.Policy)
	}
	text := e.plumb("plan", "--policy", pol, "-p", "app-prod")
	if !strings.Contains(text.stdout, "policy: app-prod: DENY main.deny_prod_create: ") {
		t.Errorf("plan's text output does not show the denial:\n%s", text.stdout)
	}
	if bad := e.plumb("plan", "--policy", filepath.Join(pkgDir, "..", "..", "policy", "testdata", "bad", "broken"), "-p", "net-dev"); bad.code != 1 || !strings.Contains(bad.stderr, "bad.rego:4:") {
		t.Errorf("a broken policy: exit %d, stderr %q, want 1 naming the file and line", bad.code, bad.stderr)
	}
}

// plumb apply --policy refuses a denied plan, saying why, and applies the
// others.
func TestPolicyBlocksApply(t *testing.T) {
	t.Parallel()
	e := newE2E(t, "fixtures/mono")
	pol := policyDir(t, prodCreates)
	res := e.plumb("apply", "--auto-approve", "--json", "--policy", pol, "-p", "net-dev", "-p", "app-prod")
	if res.code != 1 {
		t.Fatalf("apply: exit %d, want 1\n%s%s", res.code, res.stdout, res.stderr)
	}
	st, errs := map[string]string{}, map[string]string{}
	var out runsJSON
	if err := json.Unmarshal([]byte(res.stdout), &out); err != nil {
		t.Fatalf("apply --json: %v\n%s", err, res.stdout)
	}
	for _, r := range out.Runs {
		st[r.Project], errs[r.Project] = r.Status, r.Error
	}
	if st["net-dev"] != "applied" {
		t.Errorf("net-dev: %s (%s), want applied", st["net-dev"], errs["net-dev"])
	}
	if st["app-prod"] == "applied" || !strings.Contains(errs["app-prod"], "policy denied the plan") ||
		!strings.Contains(errs["app-prod"], "main.deny_prod_create: ") {
		t.Errorf("app-prod: %s (%q), want refused for the policy", st["app-prod"], errs["app-prod"])
	}
	// Nothing of app-prod was applied: it still has everything to create.
	again := e.runsOf(2, "plan", "-p", "app-prod", "--detailed-exitcode")
	if again.Runs[0].Summary.Add == 0 {
		t.Errorf("app-prod after the refused apply: %+v, want its creates still pending", again.Runs[0].Summary)
	}
}

// Policies see the plan's real values (a rule on the sensitive password
// fires), but what plumb keeps of them, their messages, is redacted.
func TestPolicyMessagesRedacted(t *testing.T) {
	t.Parallel()
	e := newE2E(t, "fixtures/secrets")
	const pw, token = "canary-pw-5d2c8e41", "canary-token-93ab07f6"
	e.env = append(e.env, "TF_VAR_db_password="+pw, "TF_VAR_label="+token, "DEPLOY_TOKEN="+token, "PLUMB_SECRET_ENV=DEPLOY_TOKEN")
	pol := policyDir(t, `package main

deny_weak_password contains msg if {
	startswith(input.variables.db_password.value, "canary-pw-")
	msg := sprintf("password %s is a canary", [input.variables.db_password.value])
}

warn contains msg if {
	some rc in input.resource_changes
	rc.address == "null_resource.tag"
	msg := sprintf("label %s", [rc.change.after.triggers.label])
}
`)
	res := e.plumb("plan", "--json", "--policy", pol)
	if res.code != 0 {
		t.Fatalf("plan: exit %d\n%s", res.code, res.stderr)
	}
	for _, secret := range []string{pw, token} {
		if strings.Contains(res.stdout+res.stderr, secret) {
			t.Errorf("plan output shows %q:\n%s", secret, res.stdout)
		}
	}
	var out runsJSON
	if err := json.Unmarshal([]byte(res.stdout), &out); err != nil {
		t.Fatal(err)
	}
	p := out.Runs[0].Policy
	if p.Passed || len(p.Deny) != 1 || p.Deny[0].Message != "password "+plumb.Redacted+" is a canary" {
		t.Errorf("deny = %+v, want the canary rule, its message redacted", p.Deny)
	}
	if len(p.Warn) != 1 || p.Warn[0].Message != "label "+plumb.Redacted {
		t.Errorf("warn = %+v, want the label redacted (--secret-env)", p.Warn)
	}
}

// plumb.yaml's policies are read at the planned commit and check only the
// projects they match; a policy that does not compile there names its file.
func TestPolicyFromPlumbYAML(t *testing.T) {
	t.Parallel()
	e := newE2E(t, "fixtures/mono")
	cfg, err := os.ReadFile(filepath.Join(e.repo.Dir, "plumb.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	e.repo.Write("plumb.yaml", string(cfg)+"policies:\n  - name: prod-rules\n    dirs: [policy]\n    environments: [prod]\n")
	e.repo.Write("policy/prod.rego", prodCreates)
	e.repo.Commit("policies")
	out := e.runsOf(0, "plan", "-p", "net-dev", "-p", "app-prod")
	for _, r := range out.Runs {
		switch r.Project {
		case "app-prod":
			if r.Policy.Passed || len(r.Policy.Deny) == 0 || r.Policy.Deny[0].Rule != "deny_prod_create" {
				t.Errorf("app-prod policy = %+v, want denied by plumb.yaml's prod-rules", r.Policy)
			}
		case "net-dev":
			if !r.Policy.Passed || len(r.Policy.Warn) != 0 {
				t.Errorf("net-dev policy = %+v, want untouched: prod-rules is for prod only", r.Policy)
			}
		}
	}
	e.repo.Write("policy/prod.rego", "package main\n\ndeny contains msg if {\n\tmsg := nope(1)\n}\n")
	e.repo.Commit("broken policy")
	if res := e.plumb("plan", "-p", "net-dev"); res.code != 1 || !strings.Contains(res.stderr, `policies "prod-rules"`) || !strings.Contains(res.stderr, "policy/prod.rego:4:") {
		t.Errorf("broken policy at the commit: exit %d, stderr %q, want 1 naming the set, file and line", res.code, res.stderr)
	}
}

// A policy that errors while it evaluates fails the run, and the run still
// shows its plan: reviewers see what could not be checked.
func TestPolicyErrorKeepsPlanText(t *testing.T) {
	t.Parallel()
	e := newE2E(t, "fixtures/mono")
	pol := policyDir(t, "package main\n\ndeny := \"a\" if { true }\n\ndeny := \"b\" if { true }\n")
	res := e.plumb("plan", "--policy", pol, "-p", "net-dev", "--comment-out", filepath.Join(e.data, "c.md"))
	if res.code != 1 {
		t.Fatalf("plan with an erroring policy: exit %d, want 1\n%s", res.code, res.stderr)
	}
	body, err := os.ReadFile(filepath.Join(e.data, "c.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(body), "policy check") || !strings.Contains(string(body), "will be created") {
		t.Errorf("the comment of a run whose policy errored lacks the error or the plan:\n%s", body)
	}
}
