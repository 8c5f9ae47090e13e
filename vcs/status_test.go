package vcs_test

import (
	"strings"
	"testing"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/vcs"
)

func TestProjectStatus(t *testing.T) {
	long := strings.Repeat("é", 300)
	tests := []struct {
		name     string
		run      plumb.Run
		lockedBy string
		state    string
		desc     string
	}{
		{"changes", plumb.Run{Status: plumb.RunChanges, Summary: plumb.PlanSummary{Add: 1, Change: 2, Destroy: 3}}, "", "success", "+1 ~2 -3"},
		{"no changes", plumb.Run{Status: plumb.RunNoChanges}, "", "success", "no changes"},
		{"policy failed", plumb.Run{Status: plumb.RunChanges, Summary: plumb.PlanSummary{Add: 1},
			Policy: &plumb.PolicyOutcome{Deny: make([]plumb.PolicyResult, 2)}}, "", "failure", "+1 ~0 -0, policy failed (2 denied)"},
		{"failed", plumb.Run{Status: plumb.RunFailed, Error: "\ntofu plan: exit status 1\nError: bad"}, "", "failure", "failed: tofu plan: exit status 1"},
		{"failed without error", plumb.Run{Status: plumb.RunFailed}, "", "failure", "failed"},
		{"locked", plumb.Run{Status: plumb.RunBlocked}, "PR #12", "pending", "locked by PR #12: planned once it is released"},
		{"queued", plumb.Run{Status: plumb.RunQueued}, "", "pending", "queued"},
		{"skipped", plumb.Run{Status: plumb.RunSkipped}, "", "failure", "skipped: a project it depends on failed"},
		{"long error", plumb.Run{Status: plumb.RunFailed, Error: long}, "", "failure", "failed: " + strings.Repeat("é", 131) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.run.Project = "app-dev"
			st := vcs.ProjectStatus(plumb.RunPlan, plumb.ProjectReport{Run: &tt.run, LockedBy: tt.lockedBy})
			if st.Context != "plumb/plan: app-dev" || st.State != tt.state || st.Description != tt.desc {
				t.Errorf("got %+v, want %s %q", st, tt.state, tt.desc)
			}
			if n := len([]rune(st.Description)); n > vcs.MaxStatusDescription {
				t.Errorf("description is %d characters", n)
			}
		})
	}
}

func TestProjectStatusApply(t *testing.T) {
	tests := []struct {
		name  string
		p     plumb.ProjectReport
		state string
		desc  string
	}{
		{"applied", plumb.ProjectReport{Run: &plumb.Run{Status: plumb.RunApplied, Summary: plumb.PlanSummary{Add: 1}}}, "success", "Applied: +1 ~0 -0"},
		{"no changes", plumb.ProjectReport{Run: &plumb.Run{Status: plumb.RunNoChanges}}, "success", "No changes to apply"},
		{"failed", plumb.ProjectReport{Run: &plumb.Run{Status: plumb.RunFailed, Error: "apply: exit status 1\nError: denied"}}, "failure", "apply: exit status 1"},
		{"skipped", plumb.ProjectReport{Run: &plumb.Run{Status: plumb.RunSkipped, Error: "net-dev, which it depends on, failed"}}, "failure", "Skipped: net-dev, which it depends on, failed"},
		{"skipped without why", plumb.ProjectReport{Run: &plumb.Run{Status: plumb.RunSkipped}}, "failure", "Skipped: a project it depends on failed"},
		{"blocked", plumb.ProjectReport{Run: &plumb.Run{Status: plumb.RunBlocked, BlockedBy: "PR #3"}, LockedBy: "PR #12", LockPlace: 2}, "pending", "Waiting for the lock held by PR #12 (place 2)"},
		{"blocked, place unknown", plumb.ProjectReport{Run: &plumb.Run{Status: plumb.RunBlocked, BlockedBy: "PR #3"}}, "pending", "Waiting for the lock held by PR #3"},
		{"queued", plumb.ProjectReport{Run: &plumb.Run{Status: plumb.RunQueued}}, "pending", "Queued to apply"},
		{"running", plumb.ProjectReport{Run: &plumb.Run{Status: plumb.RunRunning}}, "pending", "Applying"},
		{"plan differs", plumb.ProjectReport{Run: &plumb.Run{Status: plumb.RunChanges}, Differences: []string{"x"}}, "failure", "Not applied: the new plan differs from the reviewed one"},
		{"policy denied", plumb.ProjectReport{Run: &plumb.Run{Status: plumb.RunChanges, Policy: &plumb.PolicyOutcome{Deny: make([]plumb.PolicyResult, 1)}}}, "failure", "Not applied: policy failed (1 denied)"},
		{"requirement unmet", plumb.ProjectReport{Run: &plumb.Run{Status: plumb.RunChanges}, Next: "get an approval, then comment `plumb apply`"}, "failure", "Not applied: get an approval, then comment `plumb apply`"},
		{"unknown status", plumb.ProjectReport{Run: &plumb.Run{Status: "exploded"}}, "error", `plumb could not apply (status "exploded")`},
		{"long", plumb.ProjectReport{Run: &plumb.Run{Status: plumb.RunBlocked}, LockedBy: strings.Repeat("x", 200), LockPlace: 3}, "pending", "Waiting for the lock held by " + strings.Repeat("x", 100) + "… (place 3)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.p.Run.Project = "app-dev"
			st := vcs.ProjectStatus(plumb.RunApply, tt.p)
			if st.Context != "plumb/apply: app-dev" || st.State != tt.state || st.Description != tt.desc {
				t.Errorf("got %+v, want %s %q", st, tt.state, tt.desc)
			}
			if n := len([]rune(st.Description)); n > vcs.MaxStatusDescription {
				t.Errorf("description is %d characters", n)
			}
		})
	}
	if got := vcs.StatusContext("", "x"); got != "plumb/plan: x" {
		t.Errorf("context of an unnamed kind %q", got)
	}
}
