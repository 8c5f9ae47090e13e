package main

import (
	"context"
	"strings"
	"testing"

	"github.com/plumbhq/plumb"
)

// TestPullRequestBadConfig: a pull request whose plumb.yaml is invalid is
// told so, where in the file and why, on the pull request, and the config
// error goes into the audit trail under the sender.
func TestPullRequestBadConfig(t *testing.T) {
	t.Parallel()
	w := newPRWorld(t)
	ctx := context.Background()
	head := w.push("broken", "plumb.yaml", "version: 1\nprojects:\n  - name: app\n    dir: envs/nowhere\n    depends_on: [ghost]\n")
	err := w.job.HandleEvent(ctx, w.event("opened", 8, "broken", head, false))
	if plumb.ErrorCode(err) != plumb.EINVALID {
		t.Errorf("HandleEvent = %v, want the invalid configuration (the queue then marks the event failed)", err)
	}
	var all []string
	for _, c := range w.comments(8) {
		all = append(all, c.Body)
	}
	body := strings.Join(all, "\n")
	if !strings.Contains(body, "plumb.yaml:5:18:") || !strings.Contains(body, "ghost") || !strings.Contains(body, "not planned") {
		t.Errorf("the pull request is not told what is wrong in plumb.yaml and where:\n%s", body)
	}
	if st := w.gh.Statuses("acme", "infra", head); len(st) == 0 || st[len(st)-1].State != "failure" {
		t.Errorf("statuses on %.12s: %+v, want plumb/plan failure", head, st)
	}
	entries, err := w.store.Audit(ctx, plumb.AuditFilter{Repo: "acme/infra"})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, a := range entries {
		if a.Action == "config_error" && a.Commit == head && strings.Contains(a.Result, "ghost") {
			found = true
		}
	}
	if !found {
		t.Errorf("no config_error audit entry for %s: %+v", head[:12], entries)
	}
}
