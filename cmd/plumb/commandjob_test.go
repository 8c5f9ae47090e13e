package main

import (
	"context"
	"strings"
	"testing"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/vcs/githubtest"
)

// Comment commands that need no apply: help, unknown ones, edited and
// bot comments, plumb's own, a fork's apply, unlock.
func TestCommentCommands(t *testing.T) {
	t.Parallel()
	w := newPRWorld(t)
	w.gh.SetPermission("acme", "infra", "alice", "write")
	head := w.push("label", "modules/label/main.tf", "variable \"env\" {\n  type = string\n}\n\noutput \"name\" {\n  value = \"svc-${var.env}\"\n}\n")
	if err := w.handle(w.event("opened", 7, "label", head, false)); err != nil {
		t.Fatal(err)
	}
	commands := map[int64]bool{} // the comments the test posts
	replies := func() []string {
		var out []string
		for _, c := range w.comments(7) {
			if !strings.HasPrefix(c.Body, "<!-- plumb:") && c.User == githubtest.TokenLogin && !commands[c.ID] {
				out = append(out, c.Body)
			}
		}
		return out
	}
	say := func(login, body string) (int64, []string) {
		t.Helper()
		before := len(replies())
		ev, id := w.comment(7, login, body)
		commands[id] = true
		if err := w.handle(ev); err != nil {
			t.Fatalf("%s says %q: %v", login, body, err)
		}
		return id, replies()[before:]
	}

	if id, got := say("alice", "plumb help"); len(got) != 1 || !strings.Contains(got[0], "plumb apply") || len(w.gh.Reactions("acme", "infra", id)) != 1 {
		t.Errorf("plumb help: replies %q, reactions %v", got, w.gh.Reactions("acme", "infra", id))
	}
	if id, got := say("alice", "plumb frobnicate"); len(got) != 1 || !strings.Contains(got[0], "frobnicate") || !strings.Contains(got[0], "plumb help") || len(w.gh.Reactions("acme", "infra", id)) != 0 {
		t.Errorf("unknown command: replies %q", got)
	}
	if _, got := say("alice", "thanks, plumb looks good"); len(got) != 0 {
		t.Errorf("a comment that is no command got replies %q", got)
	}
	if _, got := say("dependabot[bot]", "plumb apply"); len(got) != 0 {
		t.Errorf("a bot's command got replies %q", got)
	}
	if _, got := say(githubtest.TokenLogin, "plumb help"); len(got) != 0 {
		t.Errorf("plumb's own comment got replies %q", got)
	}
	if _, got := say("mallory", "plumb plan"); len(got) != 1 || !strings.Contains(got[0], "needs write permission") {
		t.Errorf("a command by someone without write permission: replies %q", got)
	}
	// An edited comment is not a command, even if it now reads like one.
	_, id := w.comment(7, "alice", "looks fine")
	payload, _ := w.gh.CommentPayload(t, "acme", "infra", githubtest.CommentDelivery{Action: "edited", PR: 7, Login: "alice", Body: "plumb unlock", ID: id})
	if ev := w.parse("issue_comment", payload); ev.Ignored == "" {
		if err := w.handle(ev); err != nil {
			t.Fatal(err)
		}
	}
	if len(w.locks()) != 2 {
		t.Errorf("an edited comment unlocked: locks %v", w.locks())
	}

	// plan -p plans that project again at the head, nothing else.
	countPlans := func(project string) int {
		runs, err := w.store.Runs(context.Background(), plumb.RunFilter{Kind: plumb.RunPlan, Project: project, Commit: head})
		if err != nil {
			t.Fatal(err)
		}
		return len(runs)
	}
	devBefore, prodBefore := countPlans("app-dev"), countPlans("app-prod")
	if id, got := say("alice", "plumb plan -p app-dev"); len(got) != 0 || len(w.gh.Reactions("acme", "infra", id)) != 1 {
		t.Errorf("plumb plan -p app-dev: replies %q, reactions %v; want eyes and the plan comment", got, w.gh.Reactions("acme", "infra", id))
	}
	if countPlans("app-dev") != devBefore+1 || countPlans("app-prod") != prodBefore {
		t.Errorf("plumb plan -p app-dev planned app-dev %d→%d, app-prod %d→%d times", devBefore, countPlans("app-dev"), prodBefore, countPlans("app-prod"))
	}
	if _, got := say("alice", "plumb plan -p nope"); len(got) != 1 || !strings.Contains(got[0], "nope") {
		t.Errorf("plumb plan of an unknown project: replies %q, want one naming it", got)
	}

	// unlock -p releases that project's lock only, then all.
	if _, got := say("alice", "plumb unlock -p app-dev"); len(got) != 1 || !strings.Contains(got[0], "app-dev") {
		t.Errorf("unlock -p: replies %q", got)
	}
	if ls := w.locks(); len(ls) != 1 || ls["app-prod"].Owner != "PR #7" {
		t.Errorf("after unlock -p app-dev: locks %v", ls)
	}
	say("alice", "plumb unlock")
	if ls := w.locks(); len(ls) != 0 {
		t.Errorf("after unlock: locks %v", ls)
	}

	// A fork's pull request is never applied, whoever asks.
	w.gh.AddPull("acme", "infra", githubtest.PullRequest{Number: 9, Title: "fork", HeadRef: "label", HeadSHA: head, BaseRef: "main", BaseSHA: w.main, HeadRepo: "mallory/infra"})
	ev, _ := w.comment(9, "alice", "plumb apply")
	if err := w.handle(ev); err != nil {
		t.Fatal(err)
	}
	cs := w.comments(9)
	if last := cs[len(cs)-1].Body; !strings.Contains(last, "forks are never applied") {
		t.Errorf("fork PR apply: reply %q", last)
	}
}

// With --apply-before-merge, `plumb apply` applies an open pull request's
// reviewed plans at its head, for those --appliers allows; its merge then
// has nothing left to apply for them.
func TestCommentApplyBeforeMerge(t *testing.T) {
	t.Parallel()
	w := newPRWorld(t)
	w.env.Settings.ApplyBeforeMerge = true
	w.env.Settings.Appliers = []string{"acme/platform"}
	w.gh.SetPermission("acme", "infra", "alice", "write")
	head := w.push("label", "modules/label/main.tf", labelV2)
	if err := w.handle(w.event("opened", 7, "label", head, false)); err != nil {
		t.Fatal(err)
	}
	last := func() string { cs := w.comments(7); return cs[len(cs)-1].Body }
	ev, _ := w.comment(7, "alice", "plumb apply -p app-dev")
	if err := w.handle(ev); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(last(), "limited to acme/platform") {
		t.Fatalf("an applier outside the configured team was not refused: %s", last())
	}
	w.gh.AddTeamMember("acme", "platform", "alice")
	ev, _ = w.comment(7, "alice", "plumb apply -p app-dev")
	if err := w.handle(ev); err != nil {
		t.Fatal(err)
	}
	runs := w.applies(head)
	wantStatus(t, runs, "app-dev", plumb.RunApplied, "")
	if r := runs["app-prod"]; r != nil && r.Status == plumb.RunApplied {
		t.Errorf("app-prod was applied though the command named only app-dev")
	}
	merge, merged := w.merged(7, "merge")
	if err := w.handle(merged); err != nil {
		t.Fatal(err)
	}
	runs = w.applies(merge)
	wantStatus(t, runs, "app-dev", plumb.RunNoChanges, "")
	wantStatus(t, runs, "app-prod", plumb.RunApplied, "")
}
