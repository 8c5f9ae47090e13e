package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/internal/testenv"
	"github.com/plumbhq/plumb/vcs/githubtest"
)

// reservedCIDR denies the network the pull requests below plan: a rule
// on a real value of the plan (triggers.cidr).
const reservedCIDR = `package main

deny contains msg if {
	some rc in input.resource_changes
	rc.type == "null_resource"
	startswith(rc.change.after.triggers.cidr, "10.1.")
	msg := sprintf("%s: cidr %s is reserved for the shared network", [rc.address, rc.change.after.triggers.cidr])
}
`

func writePolicy(t *testing.T, body string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "net.rego"), []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// commentOn delivers login's comment on pr to the server.
func (w *prWorld) commentOn(s *served, pr int, login, body string) {
	w.t.Helper()
	payload, _ := w.gh.CommentPayload(w.t, "acme", "infra", githubtest.CommentDelivery{PR: pr, Login: login, Body: body})
	if resp := githubtest.Deliver(w.t, s.url("/events"), "issue_comment", payload); resp.StatusCode != 202 {
		w.t.Fatalf("comment %q by %s: HTTP %d", body, login, resp.StatusCode)
	}
}

// waitReply waits for a comment of plumb's on pr holding every one of want.
func (w *prWorld) waitReply(pr int, within time.Duration, want ...string) string {
	w.t.Helper()
	var body string
	waitFor(w.t, within, "a reply with "+strings.Join(want, ", "), func() (bool, string) {
		for _, c := range w.comments(pr) {
			ok := true
			for _, s := range want {
				ok = ok && strings.Contains(c.Body, s)
			}
			if ok {
				body = c.Body
				return true, ""
			}
		}
		return false, "comments: " + strings.Join(commentBodies(w.comments(pr)), "\n---\n")
	})
	return body
}

func (w *prWorld) waitState(sha, context, state string, within time.Duration) {
	w.t.Helper()
	waitFor(w.t, within, context+" "+state+" on "+sha[:12], func() (bool, string) {
		st := w.gh.LatestStatuses("acme", "infra", sha)
		return st[context].State == state, toString(st)
	})
}

// Policy as code end to end, on the real plumb serve with --policy, the
// GitHub test server and real tofu: a pull request whose plan breaks a
// deny rule shows the denial in its comment and a failing plan status; its
// author and someone outside --policy-approvers cannot approve it; an
// approval holds for the plan approved only, so after a new push the merge
// applies nothing of the project and says why; an approval of the new
// plan, then `plumb apply`, applies it. The audit trail has each approval
// with the plan it approved.
func TestServePolicyDenyApproveApply(t *testing.T) {
	t.Parallel()
	w := newGitHubWorld(t)
	out, data := t.TempDir(), t.TempDir()
	env := append(testenv.Env(t), "TF_VAR_out_dir="+out, "PLUMB_GITHUB_TOKEN="+w.gh.Token())
	s := startServe(t, data, env, "--webhook-secret", githubtest.Secret, "--github-url", w.gh.EnterpriseURL(),
		"--policy", writePolicy(t, reservedCIDR), "--policy-approvers", "carol")
	for _, u := range []string{"octocat", "bob", "carol"} {
		w.gh.SetPermission("acme", "infra", u, "write")
	}

	head := w.push("net", "envs/dev/net/main.tf", netV2)
	if resp := githubtest.Deliver(t, s.url("/events"), "pull_request", w.payload("opened", 7, "net", head, false)); resp.StatusCode != 202 {
		t.Fatalf("opened: HTTP %d", resp.StatusCode)
	}
	plan := w.waitKindComment(7, "plan", 3*time.Minute, "net-dev", "policy denied", "**Policy:** denied (1)",
		"`main.deny`: null_resource.network: cidr 10.1.0.0/16 is reserved", "plumb approve_policies -p net-dev")
	t.Logf("plan comment:\n%s", plan)
	w.waitState(head, "plumb/plan: net-dev", "failure", time.Minute)

	w.commentOn(s, 7, "octocat", "plumb approve_policies")
	w.waitReply(7, time.Minute, "@octocat `plumb approve_policies` refused", "author")
	w.commentOn(s, 7, "bob", "plumb approve_policies -p net-dev")
	w.waitReply(7, time.Minute, "@bob `plumb approve_policies` refused", "limited to carol")
	w.commentOn(s, 7, "carol", "plumb approve_policies -p net-dev")
	w.waitReply(7, time.Minute, "@carol approved the policy denials of", "net-dev", "main.deny", "new push")
	w.waitState(head, "plumb/plan: net-dev", "success", time.Minute)

	// A new push: a new plan, denied again, that nobody approved.
	head2 := w.push("net", "envs/dev/net/main.tf", strings.Replace(netV2, "10.1.0.0", "10.1.2.0", 1))
	if resp := githubtest.Deliver(t, s.url("/events"), "pull_request", w.payload("synchronize", 7, "net", head2, false)); resp.StatusCode != 202 {
		t.Fatalf("synchronize: HTTP %d", resp.StatusCode)
	}
	w.waitKindComment(7, "plan", 3*time.Minute, head2[:12], "cidr 10.1.2.0/16 is reserved")
	w.waitState(head2, "plumb/plan: net-dev", "failure", time.Minute)

	merge := w.gh.MergePull(t, "acme", "infra", 7, "merge")
	if resp := githubtest.Deliver(t, s.url("/events"), "pull_request", w.mergedPayload(7)); resp.StatusCode != 202 {
		t.Fatalf("closed (merged): HTTP %d", resp.StatusCode)
	}
	w.waitState(merge, "plumb/apply: net-dev", "failure", 3*time.Minute)
	applied := w.waitKindComment(7, "apply", time.Minute, "policy denied the plan", "cidr 10.1.2.0/16 is reserved",
		"carol (but not the pull request's author) may approve", "plumb approve_policies -p net-dev")
	t.Logf("apply comment after the merge:\n%s", applied)

	w.commentOn(s, 7, "carol", "plumb approve_policies")
	w.waitReply(7, time.Minute, "@carol approved the policy denials of", head2[:12], "plumb apply")
	w.commentOn(s, 7, "carol", "plumb apply -p net-dev")
	w.waitState(merge, "plumb/apply: net-dev", "success", 3*time.Minute)

	if took, err := s.stop(syscall.SIGTERM); err != nil {
		t.Errorf("SIGTERM: %v after %s", err, took)
	}
	db := openStore(t, data)
	ctx := context.Background()
	plans, err := db.Runs(ctx, plumb.RunFilter{Project: "net-dev", Kind: plumb.RunPlan, Trigger: "PR #7"})
	if err != nil {
		t.Fatal(err)
	}
	planAt := map[string]string{} // run ID -> commit
	for _, p := range plans {
		planAt[p.ID] = p.Commit
	}
	entries, err := db.Audit(ctx, plumb.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var approved []string
	for _, e := range entries {
		if e.Action == "approve_policies" {
			if e.Actor != "carol" || e.Project != "net-dev" || planAt[e.RunID] != e.Commit {
				t.Errorf("audit entry %+v: want carol approving a plan of net-dev at its commit", e)
			}
			approved = append(approved, e.Commit)
		}
	}
	if len(approved) != 2 || approved[0] != head2 || approved[1] != head {
		t.Errorf("approvals in the audit trail at %v, want the plan of %.12s then of %.12s", approved, head, head2)
	}
	runs, err := db.Runs(ctx, plumb.RunFilter{Project: "net-dev", Kind: plumb.RunApply, Commit: merge})
	if err != nil || len(runs) != 2 || runs[0].Status != plumb.RunApplied || runs[1].Status != plumb.RunFailed {
		t.Errorf("applies of net-dev at the merge: %v (%v), want the merge's refused, then applied", runStates(runs), err)
	}
}

func runStates(runs []*plumb.Run) []string {
	var out []string
	for _, r := range runs {
		out = append(out, string(r.Status)+": "+firstLineOf(r.Error))
	}
	return out
}

func firstLineOf(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// A policy that does not compile, or that calls the network, stops plumb
// serve at start with the file and line.
func TestServePolicyStartupError(t *testing.T) {
	t.Parallel()
	for name, body := range map[string]string{
		"syntax":  "package main\n\ndeny contains msg if {\n\tmsg := \n}\n",
		"network": "package main\n\ndeny contains msg if {\n\thttp.send({\"method\": \"GET\", \"url\": \"http://169.254.169.254/\"}).status_code == 200\n\tmsg := \"x\"\n}\n",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := writePolicy(t, body)
			cmd := exec.Command(testenv.BuildPlumb(t), "serve", "--listen", "127.0.0.1:0", "--data-dir", t.TempDir(),
				"--insecure-skip-webhook-verify", "--policy", dir)
			got, err := cmd.CombinedOutput()
			if cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != 1 || !strings.Contains(string(got), filepath.Join(dir, "net.rego")+":") {
				t.Fatalf("plumb serve --policy: %v, output:\n%s\nwant exit 1 naming %s:LINE", err, got, filepath.Join(dir, "net.rego"))
			}
			t.Logf("%s", got)
		})
	}
}
