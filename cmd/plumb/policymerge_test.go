package main

import (
	"strings"
	"testing"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/jobs"
	"github.com/plumbhq/plumb/policy"
	"github.com/plumbhq/plumb/runner"
)

// An approved plan that is stale at the merge (another commit changed the
// project's configuration) is planned again; the new plan makes the same
// changes but is a new plan, denied again and not approved: the merge
// applies nothing of it and keeps it; its approval, then `plumb apply`,
// applies it.
func TestMergePolicyFreshPlanNeedsApproval(t *testing.T) {
	t.Parallel()
	w := newPRWorldOf(t, "fixtures/mono", t.TempDir())
	set, err := policy.Load(policy.Options{Policy: []string{writePolicy(t, reservedCIDR)}, NoNetwork: true})
	if err != nil {
		t.Fatal(err)
	}
	w.env.Settings.PolicySets = []jobs.PolicySet{{Set: runner.PolicySet{Name: "net", Set: set}}}
	w.gh.SetPermission("acme", "infra", "carol", "write")
	head := w.push("net", "envs/dev/net/main.tf", netV2)
	if err := w.handle(w.event("opened", 8, "net", head, false)); err != nil {
		t.Fatalf("opened: %v", err)
	}
	approve := func() {
		t.Helper()
		ev, _ := w.comment(8, "carol", "plumb approve_policies -p net-dev")
		if err := w.handle(ev); err != nil {
			t.Fatalf("approve_policies: %v", err)
		}
	}
	approve()
	w.pushMain("envs/dev/net/extra.tf", "variable \"unused\" {\n  default = \"x\"\n}\n")
	merge, ev := w.merged(8, "merge")
	if err := w.handle(ev); err != nil {
		t.Fatalf("merged: %v", err)
	}
	r := w.applies(merge)["net-dev"]
	if r == nil || r.Status != plumb.RunFailed || !strings.Contains(r.Error, "configuration differs") ||
		!strings.Contains(r.Error, "policy denied the plan") || r.PlanID == "" {
		t.Fatalf("net-dev at the merge: %+v; want the new plan refused by policy, and kept", r)
	}
	approve()
	cmd, _ := w.comment(8, "carol", "plumb apply -p net-dev")
	if err := w.handle(cmd); err != nil {
		t.Fatalf("plumb apply: %v", err)
	}
	if r2 := w.applies(merge)["net-dev"]; r2.Status != plumb.RunApplied || r2.PlanID != r.PlanID {
		t.Fatalf("net-dev after approval: %s (plan %s, error %q); want the kept plan %s applied", r2.Status, r2.PlanID, r2.Error, r.PlanID)
	}
}
