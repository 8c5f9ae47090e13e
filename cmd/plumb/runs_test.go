package main

import (
	"bufio"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/server/dashboard"
)

// TestDashboardAPIPages: the API pages through runs and the audit trail
// by next_cursor, and agrees with plumb runs and plumb audit on the same
// store and filters, byte for byte.
func TestDashboardAPIPages(t *testing.T) {
	t.Parallel()
	w := newDashWorld(t)
	w.seed(false)
	var ids []string
	next := ""
	for range 10 {
		_, body := w.get(w.client(), "/api/v1/runs?limit=1&cursor="+next, "Authorization", "Bearer "+adminToken)
		var page dashboard.RunsPage
		if err := json.Unmarshal([]byte(body), &page); err != nil {
			t.Fatal(err)
		}
		for _, r := range page.Runs {
			ids = append(ids, r.ID)
		}
		if next = page.NextCursor; next == "" {
			break
		}
	}
	if strings.Join(ids, ",") != "r-other,r-drift-dev,r-plan-prod,r-apply-dev" {
		t.Fatalf("paged runs: %v", ids)
	}
	// The CLI opens the same SQLite file while the server has it open.
	env := map[string]string{"PLUMB_DATA_DIR": w.data}
	for _, tc := range []struct{ api, cli string }{
		{"/api/v1/runs?project=app-dev&kind=drift", "runs -p app-dev --kind drift --json"},
		{"/api/v1/runs?status=applied&since=24h&limit=3", "runs --status applied --since 24h --limit 3 --json"},
		{"/api/v1/runs", "runs --json"},
		{"/api/v1/audit?limit=500", "audit --limit 500 --json"},
		{"/api/v1/audit?actor=main&project=vault", "audit --actor main -p vault --limit 50 --json"},
	} {
		_, api := w.get(w.client(), tc.api, "Authorization", "Bearer "+adminToken)
		code, out, errOut := runMain(t, env, strings.Fields(tc.cli)...)
		if code != 0 {
			t.Fatalf("plumb %s: exit %d: %s", tc.cli, code, errOut)
		}
		if out != api {
			t.Errorf("plumb %s differs from GET %s:\nCLI:\n%s\nAPI:\n%s", tc.cli, tc.api, out, api)
		}
	}
	code, out, _ := runMain(t, env, "runs", "-p", "app-dev")
	if code != 0 || !regexp.MustCompile(`^ID\s+PROJECT\s+KIND\s+STATUS\s+TRIGGER\s+COMMIT\s+AGE\s+DURATION\n`).MatchString(out) ||
		!strings.Contains(out, "r-drift-dev") || !strings.Contains(out, "c0ffee012345 ") {
		t.Errorf("plumb runs table:\n%s", out)
	}
	if code, _, errOut := runMain(t, env, "runs", "--kind", "destroy"); code != 1 || !strings.Contains(errOut, "plan, apply, drift") {
		t.Errorf("plumb runs --kind destroy: exit %d: %s", code, errOut)
	}
	if code, out, _ := runMain(t, env, "audit", "--actor", "main"); code != 0 || !strings.Contains(out, "acme/secret") || strings.Contains(out, "PR #3") {
		t.Errorf("plumb audit --actor main: %d\n%s", code, out)
	}
}

// TestDashboardLogStream: a running run's log as server-sent events: the
// lines stored so far, then each new one, resumed after Last-Event-ID,
// ended by a done event with the final status.
func TestDashboardLogStream(t *testing.T) {
	t.Parallel()
	w := newDashWorld(t)
	w.seed(false)
	run := &plumb.Run{ID: "r-live", Repo: dashRepo, Project: "app-dev", Kind: plumb.RunPlan, Status: plumb.RunRunning,
		Resources: []plumb.ResourceChange{}}
	if err := w.db.CreateRun(t.Context(), run); err != nil {
		t.Fatal(err)
	}
	if err := w.db.AppendRunLog(t.Context(), run.ID, "one", "two"); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, w.srv.URL+"/runs/r-live/log", nil)
	req.Header.Set("Last-Event-ID", "1") // the browser has line 1
	resp, err := w.login("alice").Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || ct != "text/event-stream" {
		t.Fatalf("stream: %d %s", resp.StatusCode, ct)
	}
	events := bufio.NewScanner(resp.Body)
	next := func() string {
		for events.Scan() {
			if line := events.Text(); line != "" && !strings.HasPrefix(line, ":") {
				return line
			}
		}
		t.Fatalf("stream ended: %v", events.Err())
		return ""
	}
	if got := next() + "|" + next(); got != "id: 2|data: two" {
		t.Fatalf("first event %q, want line 2 only", got)
	}
	if err := w.db.AppendRunLog(t.Context(), run.ID, "three"); err != nil {
		t.Fatal(err)
	}
	if got := next() + "|" + next(); got != "id: 3|data: three" {
		t.Fatalf("live event %q", got)
	}
	run.Status = plumb.RunChanges
	if err := w.db.UpdateRun(t.Context(), run); err != nil {
		t.Fatal(err)
	}
	if got := next() + "|" + next(); got != "event: done|data: changes" {
		t.Fatalf("end %q", got)
	}
	for events.Scan() {
		if events.Text() != "" {
			t.Fatalf("more after done: %q", events.Text())
		}
	}
}
