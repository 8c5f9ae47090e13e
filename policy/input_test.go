package policy_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/policy"
)

func planBytes(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "plans", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// input.plumb is what plumb knows beyond the plan, with its documented
// names and [] rather than null for the lists.
func TestInput(t *testing.T) {
	t.Parallel()
	in, err := policy.Input(planBytes(t, "noop"), plumb.PolicyInput{Project: "app-prod", PR: 12, Environment: "prod"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"format_version": "1", "project": "app-prod", "dir": "", "workspace": "", "environment": "prod",
		"commit": "", "pr": float64(12), "author": "", "approvers": []any{}, "changed_files": []any{}, "drift": nil,
	}
	if d := cmp.Diff(want, in["plumb"]); d != "" {
		t.Errorf("input.plumb (-want +got):\n%s", d)
	}
	if in["format_version"] != "1.2" || in["resource_changes"] == nil {
		t.Errorf("the plan document is not the rest of input: format_version %v", in["format_version"])
	}
	if _, err := policy.Input([]byte(`[1]`), plumb.PolicyInput{}); err == nil {
		t.Error("Input of a JSON array: no error")
	}
}

// The example policies on real plans, through a run's outcome: the prod
// destroy rule reads input.plumb.
func TestEvaluateExamples(t *testing.T) {
	t.Parallel()
	set := load(t, policy.Options{Policy: []string{filepath.Join("..", "examples", "policy")}})
	prod := plumb.PolicyInput{Project: "app-prod", Environment: "prod"}
	approved := plumb.PolicyInput{Project: "app-prod", Environment: "prod", Approvers: []string{"alice"}}
	dev := plumb.PolicyInput{Project: "app-dev", Environment: "dev"}
	destroy := plumb.PolicyResult{Namespace: "main", Rule: "deny_prod_destroy",
		Message: "app-prod: null_resource.legacy[0] would be destroyed in prod without an approval: get a review approval on the pull request"}
	replace := func(addr, because string) plumb.PolicyResult {
		return plumb.PolicyResult{Namespace: "main", Rule: "warn_replace",
			Message: addr + " will be replaced (destroyed and created again) because of " + because}
	}
	none := []plumb.PolicyResult{}
	tests := []struct {
		name, plan string
		in         plumb.PolicyInput
		want       plumb.PolicyOutcome
	}{
		{"prod delete", "delete", prod, plumb.PolicyOutcome{Deny: []plumb.PolicyResult{destroy}, Warn: none}},
		{"prod delete approved", "delete", approved, plumb.PolicyOutcome{Passed: true, Deny: none, Warn: none}},
		{"dev delete", "delete", dev, plumb.PolicyOutcome{Passed: true, Deny: none, Warn: none}},
		{"no-op", "noop", prod, plumb.PolicyOutcome{Passed: true, Deny: none, Warn: none}},
		{"dev replace", "replace", dev, plumb.PolicyOutcome{Passed: true, Deny: none, Warn: []plumb.PolicyResult{
			replace("null_resource.blue", "triggers"), replace("null_resource.server", "triggers")}}},
		{"sensitive replace", "sensitive", dev, plumb.PolicyOutcome{Passed: true, Deny: none, Warn: []plumb.PolicyResult{
			replace("local_file.secret", "sensitive_content")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := set.Evaluate(t.Context(), tt.plan+".json", planBytes(t, tt.plan), tt.in, nil)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

// An exception shows in the outcome with the rule it silenced, and does
// not fail it.
func TestOutcomeExceptions(t *testing.T) {
	t.Parallel()
	got, err := load(t, policy.Options{}).Evaluate(t.Context(), "mixed.json", planBytes(t, "mixed"), plumb.PolicyInput{}, []string{"main"})
	if err != nil {
		t.Fatal(err)
	}
	want := []plumb.PolicyResult{{Namespace: "main", Rule: "deny_no_owner", Message: `data.main.exception[_][_] == "no_owner"`}}
	if d := cmp.Diff(want, got.Exceptions); d != "" {
		t.Errorf("exceptions (-want +got):\n%s", d)
	}
	if got.Passed || len(got.Deny) != 2 || got.Deny[0].Rule != "deny" || got.Deny[1].Rule != "violation" {
		t.Errorf("deny = %+v, want the deny and the violation, not passed", got.Deny)
	}
}
