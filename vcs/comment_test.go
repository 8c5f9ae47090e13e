package vcs

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
	withPolicy.Policy = &plumb.PolicyOutcome{Passed: false, Deny: []plumb.PolicyResult{{Namespace: "main", Rule: "deny", Message: "local_file must not write to /etc"}}}
	var huge strings.Builder
	huge.WriteString("OpenTofu will perform the following actions:\n\n")
	for i := 0; huge.Len() < 150000; i++ {
		fmt.Fprintf(&huge, "  # null_resource.n[%d] will be created\n  + resource \"null_resource\" \"n\" {\n      + id = (known after apply)\n    }\n\n", i)
	}
	cases := map[string]plumb.PlanReport{
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
		"policy": {Head: "0123456789abcdef", Projects: []plumb.ProjectReport{{Run: withPolicy, Reasons: []string{"modified envs/dev/app/main.tf"}}}},
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
				if !strings.HasPrefix(b, CommentMarker) {
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

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./vcs -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the rendered comment; run go test ./vcs -run %s -update and review the diff", path, t.Name())
	}
}

func TestDiffify(t *testing.T) {
	in := "  + resource \"a\" {\n      ~ x = 1 -> 2\n      - y = 3\n    }"
	want := "+   resource \"a\" {\n!       x = 1 -> 2\n-       y = 3\n    }"
	if got := diffify(in); got != want {
		t.Errorf("diffify:\n%s\nwant:\n%s", got, want)
	}
}
