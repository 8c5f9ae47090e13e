package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestPlanApplyPlanRoundTrip(t *testing.T) {
	t.Parallel()
	e := newE2E(t, "fixtures/mono")

	plan := e.runsOf(2, "plan", "--detailed-exitcode")
	want := map[string]string{"net-dev": "changes", "app-dev": "changes", "app-prod": "changes"}
	if got := statuses(plan); !reflect.DeepEqual(got, want) {
		t.Fatalf("first plan statuses = %v, want %v\n%+v", got, want, plan.Runs)
	}
	// Apply order: net-dev before app-dev (depends_on), dev before prod.
	var order []string
	for _, r := range plan.Runs {
		order = append(order, r.Project)
	}
	if want := []string{"net-dev", "app-dev", "app-prod"}; !reflect.DeepEqual(order, want) {
		t.Errorf("order = %v, want %v", order, want)
	}
	for _, r := range plan.Runs {
		if r.Engine != "tofu" || r.EngineVersion != "1.10.6" {
			t.Errorf("%s ran %s %s, want tofu 1.10.6", r.Project, r.Engine, r.EngineVersion)
		}
		if r.Summary.Add != 1 || len(r.Resources) != 1 || r.Resources[0].Actions[0] != "create" {
			t.Errorf("%s: summary %+v resources %+v, want one create", r.Project, r.Summary, r.Resources)
		}
	}

	applied := e.runsOf(0, "apply", "--auto-approve")
	for _, r := range applied.Runs {
		if r.Status != "applied" || r.Kind != "apply" {
			t.Errorf("%s: %s %s, want an applied apply run (%s)", r.Project, r.Kind, r.Status, r.Error)
		}
		if r.Replanned != "" {
			t.Errorf("%s was replanned (%s), want the saved plan applied", r.Project, r.Replanned)
		}
	}
	if got, ok := e.file("app-dev.txt"); !ok || got != "name = app-dev\n" {
		t.Errorf("app-dev.txt = %q (exists %v), want it written by the apply", got, ok)
	}

	again := e.runsOf(0, "plan", "--detailed-exitcode")
	for _, r := range again.Runs {
		if r.Status != "no_changes" {
			t.Errorf("after apply %s is %s, want no_changes", r.Project, r.Status)
		}
	}
}

func TestPlanModuleChangeReplansExactlyItsCallers(t *testing.T) {
	t.Parallel()
	e := newE2E(t, "fixtures/mono")
	base := e.repo.Head()
	e.repo.Write("modules/label/main.tf", strings.Replace(readFixture(t, "mono/modules/label/main.tf"), `"app-${var.env}"`, `"svc-${var.env}"`, 1))
	head := e.repo.Commit("rename the label")

	out := e.runsOf(2, "plan", "--base", base, "--head", head, "--detailed-exitcode")
	got := statuses(out)
	if want := map[string]string{"app-dev": "changes", "app-prod": "changes"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("planned %v, want exactly the two callers of modules/label", got)
	}
	for _, r := range out.Runs {
		if len(r.Reasons) == 0 || !strings.Contains(strings.Join(r.Reasons, "\n"), "modules/label") {
			t.Errorf("%s reasons %q do not name modules/label", r.Project, r.Reasons)
		}
	}
}

func TestPlanCommentOut(t *testing.T) {
	t.Parallel()
	e := newE2E(t, "fixtures/mono")
	path := e.data + "/comment.md"
	e.runsOf(0, "plan", "-p", "net-dev", "--comment-out", path)
	body, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<!-- plumb:plan -->", "net-dev", "`+1 ~0 -0`", "```diff", "null_resource.network"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("comment lacks %q:\n%s", want, body)
		}
	}
}

// A change plumb does not plan is a change plumb says it did not plan:
// the comment lists the Terraform files no project plans, and why.
func TestPlanCommentSaysWhatItDidNotPlan(t *testing.T) {
	t.Parallel()
	e := newE2E(t, "fixtures/mono")
	base := e.repo.Head()
	e.repo.Write("modules/unused/main.tf", "variable \"x\" {\n  type = string\n}\n")
	e.repo.Write("envs/dev/net/main.tf", strings.Replace(readFixture(t, "mono/envs/dev/net/main.tf"), "10.0.0.0/16", "10.1.0.0/16", 1))
	head := e.repo.Commit("a module nobody calls, and the network")
	path := e.data + "/comment.md"
	e.runsOf(0, "plan", "--base", base, "--head", head, "--comment-out", path)
	body, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"net-dev", "modules/unused", "main.tf"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("comment lacks %q:\n%s", want, body)
		}
	}
}

func readFixture(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile("../../testdata/fixtures/" + rel)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestPlanApplyTerraformAndWorkspaces runs one project with HashiCorp
// Terraform 1.5.7 and one in a non-default workspace, end to end.
func TestPlanApplyTerraformAndWorkspaces(t *testing.T) {
	t.Parallel()
	e := newE2E(t, "fixtures/mono")
	e.repo.Write("plumb.yaml", `version: 1
environments: [dev, prod]
projects:
  - name: net-dev
    dir: envs/dev/net
    engine: terraform
    version: "~> 1.5.0"
  - name: net-blue
    dir: envs/dev/net
    workspace: blue
`)
	e.repo.Commit("terraform and a workspace")
	out := e.runsOf(0, "apply", "--auto-approve")
	got := map[string]runJSON{}
	for _, r := range out.Runs {
		got[r.Project] = r
	}
	if r := got["net-dev"]; r.Status != "applied" || r.Engine != "terraform" || r.EngineVersion != "1.5.7" {
		t.Errorf("net-dev: %s with %s %s (%s), want applied by terraform 1.5.7", r.Status, r.Engine, r.EngineVersion, r.Error)
	}
	if r := got["net-blue"]; r.Status != "applied" || r.Workspace != "blue" || r.Engine != "tofu" {
		t.Errorf("net-blue: %s in %s with %s (%s), want applied by tofu in workspace blue", r.Status, r.Workspace, r.Engine, r.Error)
	}
	// Each workspace has its own state: both are clean now, neither sees the other.
	again := e.runsOf(0, "plan", "--detailed-exitcode")
	for _, r := range again.Runs {
		if r.Status != "no_changes" {
			t.Errorf("%s after apply: %s (%s)", r.Project, r.Status, r.Error)
		}
	}
}

// Every project inits cold at once into one new plugin cache: tofu locks
// the cache itself, so plumb lets the inits run side by side.
func TestPlanColdInitsAtOnce(t *testing.T) {
	t.Parallel()
	e := newE2E(t, "fixtures/mono")
	plan := e.runsOf(0, "plan", "--parallelism", "3")
	want := map[string]string{"net-dev": "changes", "app-dev": "changes", "app-prod": "changes"}
	if got := statuses(plan); !reflect.DeepEqual(got, want) {
		t.Fatalf("statuses = %v, want %v\n%+v", got, want, plan.Runs)
	}
}

// A newer plan of a project by the same trigger deletes the saved plans
// before it: nothing may apply them, and each holds real values.
func TestPlanSupersedesOlderSavedPlans(t *testing.T) {
	t.Parallel()
	e := newE2E(t, "fixtures/mono")
	saved := func(runID string) bool {
		_, err := os.Stat(filepath.Join(e.data, "runs", runID, "plan.tfplan"))
		return err == nil
	}
	first := e.runsOf(0, "plan", "-p", "app-dev")
	if len(first.Runs) != 1 || !saved(first.Runs[0].ID) {
		t.Fatalf("first plan: %+v, want one run with a saved plan", first.Runs)
	}
	second := e.runsOf(0, "plan", "-p", "app-dev")
	if len(second.Runs) != 1 || !saved(second.Runs[0].ID) {
		t.Fatalf("second plan: %+v, want one run with a saved plan", second.Runs)
	}
	if saved(first.Runs[0].ID) {
		t.Errorf("the first plan's saved plan is still there after a newer plan of app-dev")
	}
	// The newest plan is the one apply uses, without planning again.
	applied := e.runsOf(0, "apply", "-p", "app-dev", "--auto-approve")
	if len(applied.Runs) != 1 || applied.Runs[0].Status != "applied" || applied.Runs[0].Replanned != "" {
		t.Errorf("apply: %+v, want app-dev applied from the saved plan", applied.Runs)
	}
}
