package markdown

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plumbhq/plumb"
)

var update = flag.Bool("update", false, "rewrite golden files")

const smallPlan = `OpenTofu will perform the following actions:

  # local_file.greeting will be created
  + resource "local_file" "greeting" {
      + content  = "hello"
      + filename = "out/greeting.txt"
    }

  # null_resource.n will be updated in-place
  ~ resource "null_resource" "n" {
      ~ triggers = {
          - "v" = "1" -> null
        }
    }

Plan: 1 to add, 1 to change, 0 to destroy.
`

func run(project, dir string, status plumb.RunStatus, s plumb.PlanSummary, text string) *plumb.Run {
	return &plumb.Run{Project: project, Dir: dir, Workspace: "default", Status: status, Summary: s, PlanText: text}
}

func TestRenderCommentGolden(t *testing.T) {
	failed := run("app-prod", "envs/prod/app", plumb.RunFailed, plumb.PlanSummary{}, "")
	failed.Error = "plan: exit status 1\nError: Unsupported argument ```"
	locked := run("app-staging", "envs/staging/app", plumb.RunBlocked, plumb.PlanSummary{}, "")
	locked.BlockedBy = "PR #12"
	withPolicy := run("app-dev", "envs/dev/app", plumb.RunChanges, plumb.PlanSummary{Add: 1, Change: 1}, smallPlan)
	withPolicy.Policy = &plumb.PolicyOutcome{Passed: false, Deny: []plumb.PolicyResult{{Namespace: "main", Rule: "deny", Message: "local_file must not write to /etc"}},
		Warn:       []plumb.PolicyResult{{Namespace: "main", Rule: "warn_replace", Message: "null_resource.n is replaced"}},
		Exceptions: []plumb.PolicyResult{{Namespace: "main", Rule: "deny_no_tags", Message: "data.main.exception[_][_] == \"no_tags\""}}}
	warned := run("app-staging", "envs/staging/app", plumb.RunNoChanges, plumb.PlanSummary{}, "")
	warned.Policy = &plumb.PolicyOutcome{Passed: true, Deny: []plumb.PolicyResult{},
		Warn: []plumb.PolicyResult{{Namespace: "tags", Rule: "warn", Message: "bucket | logs has no owner tag"}}}
	clean := run("app-prod", "envs/prod/app", plumb.RunNoChanges, plumb.PlanSummary{}, "")
	clean.Policy = &plumb.PolicyOutcome{Passed: true, Deny: []plumb.PolicyResult{}, Warn: []plumb.PolicyResult{}}
	var huge strings.Builder
	huge.WriteString("OpenTofu will perform the following actions:\n\n")
	for i := 0; huge.Len() < 150000; i++ {
		fmt.Fprintf(&huge, "  # null_resource.n[%d] will be created\n  + resource \"null_resource\" \"n\" {\n      + id = (known after apply)\n    }\n\n", i)
	}
	applied := run("net-dev", "envs/dev/network", plumb.RunApplied, plumb.PlanSummary{Add: 1}, "  + resource \"null_resource\" \"n\" {}\n\nApply complete! Resources: 1 added, 0 changed, 0 destroyed.\n")
	applied.Replanned = "the saved plan was made at another commit"
	applyFailed := run("app-dev", "envs/dev/app", plumb.RunFailed, plumb.PlanSummary{Change: 1}, "")
	applyFailed.Error = "apply: exit status 1\nError: creating local_file: permission denied"
	skipped := run("dns-dev", "envs/dev/dns", plumb.RunSkipped, plumb.PlanSummary{}, "")
	skipped.Error = "app-dev, which it depends on, failed"
	waiting := run("app-prod", "envs/prod/app", plumb.RunBlocked, plumb.PlanSummary{}, "")
	waiting.BlockedBy = "PR #12"
	refused := run("app-staging", "envs/staging/app", plumb.RunChanges, plumb.PlanSummary{Add: 2}, smallPlan)
	stale := run("app-staging", "envs/staging/app", plumb.RunBlocked, plumb.PlanSummary{}, "")
	stale.BlockedBy = "PR #9"
	cases := map[string]plumb.PlanReport{
		"apply": {Kind: plumb.RunApply, PR: 7, Head: "0123456789abcdef", Note: "Applied in order: net-dev, app-dev, dns-dev, app-staging, app-prod.",
			Projects: []plumb.ProjectReport{
				{Run: applied, Reasons: []string{"modified envs/dev/network/main.tf"}},
				{Run: applyFailed},
				{Run: skipped},
				{Run: refused, Differences: []string{"local_file.f: create (the reviewed plan had update)", "null_resource.n: not in the reviewed plan"},
					Next: "review the new plan below, then comment `plumb apply -p app-staging`"},
				{Run: waiting, LockedBy: "PR #12", LockURL: "https://github.com/acme/infra/pull/12", LockPlace: 2, LockAge: 95 * time.Minute},
			}},
		"plan_fields": {Head: "0123456789abcdef", Base: "fedcba9876543210", Note: "2 of 3 projects planned; the third waits for a lock.",
			Projects: []plumb.ProjectReport{
				{Run: run("app-dev", "envs/dev/app", plumb.RunChanges, plumb.PlanSummary{Add: 1, Change: 1}, ""), Reasons: []string{"modified envs/dev/app/main.tf"},
					Next: "merge to apply, or comment `plumb apply`"},
				{Run: stale, LockedBy: "PR #9", LockPlace: 1, LockAge: 76 * time.Hour, LockStale: true,
					Next: "ask the author of PR #9 to merge or close it, or comment `plumb unlock -p app-staging` there"},
			},
			Unplanned: []plumb.Unplanned{
				{Dir: "modules/legacy", Files: []string{"modules/legacy/main.tf", "modules/legacy/vars.tf"}, Reason: "a module no project calls"},
				{Dir: "sandbox", Files: []string{"sandbox/main.tf"}, Reason: "ignored by autodiscover.ignore (sandbox/**)"},
			}},
		"unplanned_only": {Head: "0123456789abcdef", Unplanned: []plumb.Unplanned{
			{Dir: "modules/legacy", Files: manyFiles("modules/legacy", 12), Reason: "a module no project calls"},
		}},
		"small": {Head: "0123456789abcdef", Base: "fedcba9876543210", Projects: []plumb.ProjectReport{
			{Run: run("app-dev", "envs/dev/app", plumb.RunChanges, plumb.PlanSummary{Add: 1, Change: 1}, smallPlan), Reasons: []string{"modified envs/dev/app/main.tf"}},
		}},
		"no_changes": {Head: "0123456789abcdef", Projects: []plumb.ProjectReport{
			{Run: run("net-dev", "envs/dev/network", plumb.RunNoChanges, plumb.PlanSummary{}, "No changes. Your infrastructure matches the configuration.\n"), Reasons: []string{"modified envs/dev/network/variables.tf"}},
		}},
		"failed": {Head: "0123456789abcdef", Projects: []plumb.ProjectReport{{Run: failed, Reasons: []string{"plumb.yaml entry changed"}}}},
		"locked": {Head: "0123456789abcdef", Projects: []plumb.ProjectReport{
			{Run: locked, Reasons: []string{"calls modules/app (modified modules/app/main.tf)"}, LockedBy: "PR #12", LockURL: "https://github.com/acme/infra/pull/12"},
		}},
		"policy": {Head: "0123456789abcdef", Projects: []plumb.ProjectReport{
			{Run: withPolicy, Reasons: []string{"modified envs/dev/app/main.tf"}, Next: "Policy denied this plan: an approver may comment `plumb approve_policies -p app-dev`."},
			{Run: warned}, {Run: clean}}},
		"large": {Head: "0123456789abcdef", Projects: []plumb.ProjectReport{
			{Run: run("big", "envs/dev/big", plumb.RunChanges, plumb.PlanSummary{Add: 1000}, huge.String()), Reasons: []string{"modified envs/dev/big/main.tf"}},
			{Run: run("app-dev", "envs/dev/app", plumb.RunChanges, plumb.PlanSummary{Add: 1, Change: 1}, smallPlan)},
		}},
	}
	for name, rep := range cases {
		t.Run(name, func(t *testing.T) {
			bodies := RenderComment(rep, 0)
			for i, b := range bodies {
				if len(b) > MaxCommentLen {
					t.Errorf("body %d is %d characters, over GitHub's %d", i, len(b), MaxCommentLen)
				}
				if !strings.HasPrefix(b, Marker(rep.Kind)+" ") {
					t.Errorf("body %d does not start with the marker", i)
				}
				if n := strings.Count(b, "```"); n%2 != 0 {
					t.Errorf("body %d has %d fences: one is left open", i, n)
				}
				if o, c := strings.Count(b, "<details"), strings.Count(b, "</details>"); o != c {
					t.Errorf("body %d opens <details> %d times and closes it %d times", i, o, c)
				}
			}
			if name == "large" && len(bodies) < 2 {
				t.Fatalf("a 150 kB plan gave %d body, want it split", len(bodies))
			}
			golden(t, filepath.Join("testdata", "comments", name+".md"), strings.Join(bodies, "\n<!-- ===== next comment ===== -->\n"))
		})
	}
}

func manyFiles(dir string, n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("%s/f%02d.tf", dir, i))
	}
	return out
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./vcs/markdown -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the rendered comment; run go test ./vcs/markdown -run %s -update and review the diff", path, t.Name())
	}
}

func TestDiffify(t *testing.T) {
	in := "  + resource \"a\" {\n      ~ x = 1 -> 2\n      - y = 3\n    }"
	want := "+   resource \"a\" {\n!       x = 1 -> 2\n-       y = 3\n    }"
	if got := diffify(in); got != want {
		t.Errorf("diffify:\n%s\nwant:\n%s", got, want)
	}
}

// An apply report splits like a plan report, under its own marker.
func TestRenderApplyCommentSplits(t *testing.T) {
	var huge strings.Builder
	for i := 0; huge.Len() < 100000; i++ {
		fmt.Fprintf(&huge, "  + resource \"null_resource\" \"n%d\" {}\n", i)
	}
	rep := plumb.PlanReport{Kind: plumb.RunApply, PR: 3, Head: "0123456789abcdef", Projects: []plumb.ProjectReport{
		{Run: run("big", "envs/big", plumb.RunApplied, plumb.PlanSummary{Add: 3000}, huge.String())},
	}}
	bodies := RenderComment(rep, 0)
	if len(bodies) < 2 {
		t.Fatalf("%d bodies, want the apply split", len(bodies))
	}
	for i, b := range bodies {
		if want := fmt.Sprintf("%s part %d of %d -->\n", ApplyCommentMarker, i+1, len(bodies)); !strings.HasPrefix(b, want) {
			t.Errorf("body %d starts %.40q, want %q", i, b, want)
		}
		if strings.Contains(b, CommentMarker) {
			t.Errorf("body %d carries the plan marker", i)
		}
	}
}

func TestAge(t *testing.T) {
	for d, want := range map[time.Duration]string{
		40 * time.Second: "40s", 7*time.Minute + 10*time.Second: "7m", 2*time.Hour + 5*time.Minute: "2h 5m",
		76*time.Hour + 30*time.Minute: "3d 4h",
	} {
		if got := age(d); got != want {
			t.Errorf("age(%v) = %q, want %q", d, got, want)
		}
	}
}

// A configuration error is the whole comment: what is wrong, where, and
// that nothing was planned (or, for a merge, applied).
func TestRenderInvalidConfig(t *testing.T) {
	for kind, verb := range map[plumb.RunKind]string{plumb.RunPlan: "planned", plumb.RunApply: "applied"} {
		bodies := RenderComment(plumb.PlanReport{Kind: kind, Head: "0123456789abcdef", Invalid: "plumb.yaml:5:18: projects[0].depends_on[0]: no project named \"ghost\"\n"}, 0)
		if len(bodies) != 1 || !strings.Contains(bodies[0], "not "+verb) || !strings.Contains(bodies[0], "nothing is "+verb) ||
			!strings.Contains(bodies[0], "`0123456789ab`") || !strings.Contains(bodies[0], "```\nplumb.yaml:5:18: projects[0].depends_on[0]: no project named \"ghost\"\n```") {
			t.Errorf("%s: %q", kind, bodies)
		}
	}
}
