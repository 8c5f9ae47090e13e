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
			st := vcs.ProjectStatus(plumb.ProjectReport{Run: &tt.run, LockedBy: tt.lockedBy})
			if st.Context != "plumb/plan: app-dev" || st.State != tt.state || st.Description != tt.desc {
				t.Errorf("got %+v, want %s %q", st, tt.state, tt.desc)
			}
			if n := len([]rune(st.Description)); n > vcs.MaxStatusDescription {
				t.Errorf("description is %d characters", n)
			}
		})
	}
}
