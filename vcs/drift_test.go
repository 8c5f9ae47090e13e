package vcs_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/vcs"
	"github.com/plumbhq/plumb/vcs/githubtest"
)

const issuesRoute = "/repos/{owner}/{repo}/issues"

var checkedAt = time.Date(2026, 3, 4, 5, 6, 0, 0, time.UTC)

// drift is project's report after a check with status and the findings,
// as the sweep builds it; issue is the number the store knows.
func drift(project string, status plumb.DriftStatus, issue int, findings ...plumb.DriftFinding) plumb.DriftReport {
	st := plumb.DriftState{Repo: owner + "/" + name, Project: project, Dir: "envs/" + project, Workspace: "default", Status: status,
		Findings: findings, FirstSeen: map[string]time.Time{}, CheckedAt: checkedAt, RunID: "run-" + string(status), Commit: headSHA}
	for _, f := range findings {
		st.FirstSeen[plumb.FindingKey(f)] = checkedAt.Add(-time.Hour)
	}
	if status != plumb.DriftClean {
		st.Since = checkedAt.Add(-time.Hour)
	}
	return plumb.DriftReport{Repo: owner + "/" + name, Project: project, State: st, Issue: issue}
}

func edited(addr string, attrs ...string) plumb.DriftFinding {
	return plumb.DriftFinding{Address: addr, Kind: plumb.DriftOutOfBand, Action: "update", Attributes: attrs}
}

// onlyIssue is the repository's one issue, failing the test if there are
// more or none.
func onlyIssue(t *testing.T, srv *githubtest.Server) githubtest.Issue {
	t.Helper()
	is := srv.Issues(owner, name)
	if len(is) != 1 {
		t.Fatalf("%d issues, want exactly one: %+v", len(is), is)
	}
	return is[0]
}

func issuesByNumber(srv *githubtest.Server) map[int]githubtest.Issue {
	out := map[int]githubtest.Issue{}
	for _, is := range srv.Issues(owner, name) {
		out[is.Number] = is
	}
	return out
}

func reportDrift(t *testing.T, gh *vcs.GitHub, r plumb.DriftReport) int {
	t.Helper()
	n, err := gh.ReportDrift(context.Background(), r)
	if err != nil {
		t.Fatalf("report %s: %v", r.State.Status, err)
	}
	return n
}

// Drift, still drifting, clean, drift again: one issue through it all,
// with the store's number fed back each time as the sweep does.
func TestReportDriftLifecycle(t *testing.T) {
	b := setupGitHub(t)
	n := reportDrift(t, b.gh, drift("app-dev", plumb.DriftDrifted, 0, edited("local_file.config", "content")))
	is := onlyIssue(t, b.srv)
	if n != is.Number || is.Title != "plumb drift: app-dev" || len(is.Labels) != 1 || is.Labels[0] != "drift" || is.State != "open" {
		t.Fatalf("returned %d; issue %+v", n, is)
	}
	if !strings.HasPrefix(is.Body, "<!-- plumb:drift repo=acme/infra project=app-dev -->\n") ||
		!strings.Contains(is.Body, "| `local_file.config` | out of band | update | `content` |") {
		t.Errorf("body:\n%s", is.Body)
	}

	// Still drifting, and more: the same issue, edited, no comment.
	if m := reportDrift(t, b.gh, drift("app-dev", plumb.DriftDriftedPending, n, edited("local_file.config", "content"),
		plumb.DriftFinding{Address: "null_resource.new", Kind: plumb.DriftPending, Action: "create"})); m != n {
		t.Errorf("still drifting: number %d, want %d", m, n)
	}
	is = onlyIssue(t, b.srv)
	if !strings.Contains(is.Body, "| `null_resource.new` | pending | create |") || len(is.Comments) != 0 || is.State != "open" {
		t.Errorf("still drifting: %+v", is)
	}

	// Clean: a closing comment, then closed, the number kept.
	if m := reportDrift(t, b.gh, drift("app-dev", plumb.DriftClean, n)); m != n {
		t.Errorf("clean: number %d, want %d", m, n)
	}
	is = onlyIssue(t, b.srv)
	if is.State != "closed" || is.StateReason != "completed" || len(is.Comments) != 1 ||
		is.Comments[0].Body != "Clean again at 2026-03-04 05:06 UTC, run `run-clean`: closing." {
		t.Fatalf("clean: %+v", is)
	}
	// Clean once more: nothing new.
	reportDrift(t, b.gh, drift("app-dev", plumb.DriftClean, n))
	if is = onlyIssue(t, b.srv); is.State != "closed" || len(is.Comments) != 1 {
		t.Errorf("clean twice: %+v", is)
	}

	// Drift again: reopened with a comment, still one issue.
	if m := reportDrift(t, b.gh, drift("app-dev", plumb.DriftPendingOnly, n,
		plumb.DriftFinding{Address: "null_resource.other", Kind: plumb.DriftPending, Action: "replace"})); m != n {
		t.Errorf("drift again: number %d, want %d", m, n)
	}
	is = onlyIssue(t, b.srv)
	if is.State != "open" || is.StateReason != "reopened" || len(is.Comments) != 2 || !strings.HasPrefix(is.Comments[1].Body, "Drifted again at 2026-03-04 05:06 UTC") ||
		!strings.Contains(is.Body, "null_resource.other") || strings.Contains(is.Body, "local_file.config") {
		t.Errorf("drift again: %+v", is)
	}
}

// After a restart that lost the number, and after a person renamed the
// issue, the marker still finds it; another project's issue, and a
// person's copy of the body, are not it.
func TestReportDriftFindsByMarker(t *testing.T) {
	b := setupGitHub(t)
	n := reportDrift(t, b.gh, drift("app-dev", plumb.DriftDrifted, 0, edited("local_file.a", "content")))
	other := reportDrift(t, b.gh, drift("app-prod", plumb.DriftDrifted, 0, edited("local_file.b", "content")))
	if other == n {
		t.Fatalf("two projects share issue %d", n)
	}
	b.srv.RenameIssue(owner, name, n, "prod config edited by hand, see thread")
	copied := b.srv.Issues(owner, name)[0].Body
	decoy := b.srv.AddIssue(owner, name, githubtest.Issue{Title: "copy", Body: copied, Labels: []string{"drift"}, User: "mallory"})

	if m := reportDrift(t, b.gh, drift("app-dev", plumb.DriftDrifted, 0, edited("local_file.a", "content", "mode"))); m != n {
		t.Fatalf("with the number lost: issue %d, want %d (decoy %d)", m, n, decoy)
	}
	byNumber := issuesByNumber(b.srv)
	if len(byNumber) != 3 {
		t.Fatalf("%d issues, want app-dev's, app-prod's and the copy", len(byNumber))
	}
	if is := byNumber[n]; is.Title != "prod config edited by hand, see thread" || !strings.Contains(is.Body, "`mode`") {
		t.Errorf("app-dev's issue: %+v; want the person's title kept and the body edited", is)
	}
	if byNumber[decoy].Body != copied || strings.Contains(byNumber[other].Body, "`mode`") {
		t.Error("the copy or app-prod's issue was edited")
	}

	// Clean after another lost number: the renamed issue is the one closed.
	reportDrift(t, b.gh, drift("app-dev", plumb.DriftClean, 0))
	if is := issuesByNumber(b.srv); is[n].State != "closed" || is[other].State != "open" || is[decoy].State != "open" {
		t.Errorf("after clean: %+v", is)
	}
}

// A stored number that is gone (deleted) or is not this project's (a pull
// request, another issue) falls back to the marker, and then to a create.
func TestReportDriftStaleNumber(t *testing.T) {
	b := setupGitHub(t)
	n := reportDrift(t, b.gh, drift("app-dev", plumb.DriftDrifted, 0, edited("local_file.a", "content")))
	plain := b.srv.AddIssue(owner, name, githubtest.Issue{Title: "unrelated", Body: "hello"})
	for _, stale := range []int{7, plain, 999} {
		if m := reportDrift(t, b.gh, drift("app-dev", plumb.DriftDrifted, stale, edited("local_file.a", "content"))); m != n {
			t.Errorf("stored number %d: issue %d, want %d", stale, m, n)
		}
	}
	if is := b.srv.Issues(owner, name); len(is) != 2 || is[1].Body != "hello" {
		t.Errorf("issues %+v", is)
	}
	b.srv.DeleteIssue(owner, name, n)
	m := reportDrift(t, b.gh, drift("app-dev", plumb.DriftDrifted, n, edited("local_file.a", "content")))
	if is := b.srv.Issues(owner, name); m == n || len(is) != 2 || is[1].Number != m {
		t.Errorf("after the issue was deleted: %d, issues %+v", m, is)
	}
}

// A check that errored changes nothing and asks GitHub nothing; a clean
// project without an issue gets none.
func TestReportDriftErrorAndCleanChangeNothing(t *testing.T) {
	b := setupGitHub(t)
	if n := reportDrift(t, b.gh, drift("app-dev", plumb.DriftClean, 0)); n != 0 || len(b.srv.Issues(owner, name)) != 0 {
		t.Fatalf("clean without an issue: %d, %+v", n, b.srv.Issues(owner, name))
	}
	n := reportDrift(t, b.gh, drift("app-dev", plumb.DriftDrifted, 0, edited("local_file.a", "content")))
	before, reqs := onlyIssue(t, b.srv), len(b.srv.Requests())
	bad := drift("app-dev", plumb.DriftError, n)
	bad.State.Error = "tofu init: provider not found"
	if m := reportDrift(t, b.gh, bad); m != n {
		t.Errorf("error: number %d, want %d", m, n)
	}
	if after := onlyIssue(t, b.srv); after.Body != before.Body || after.State != "open" || len(after.Comments) != 0 || len(b.srv.Requests()) != reqs {
		t.Errorf("an errored check changed the issue or asked GitHub: %+v, %d requests after %d", after, len(b.srv.Requests()), reqs)
	}
	if _, err := b.gh.ReportDrift(context.Background(), drift("app-dev", "flaky", n)); plumb.ErrorCode(err) != plumb.EINVALID {
		t.Errorf("unknown status: %v, want invalid", err)
	}
}

// A failed create is tried again, and one GitHub made before failing is
// found rather than made twice.
func TestReportDriftRetriesCreate(t *testing.T) {
	for _, tt := range []struct {
		name   string
		inject func(s *githubtest.Server)
	}{
		{"502 before", func(s *githubtest.Server) { s.FailRoute("POST", issuesRoute, 2, 502) }},
		{"502 after the create", func(s *githubtest.Server) {
			s.InjectRoute("POST", issuesRoute, 1, githubtest.ServerError(502).AfterEffect())
		}},
		{"rate limit", func(s *githubtest.Server) { s.RateLimitRoute("POST", issuesRoute, 1) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := setupGitHub(t)
			tt.inject(b.srv)
			n := reportDrift(t, b.gh, drift("app-dev", plumb.DriftDrifted, 0, edited("local_file.a", "content")))
			if is := onlyIssue(t, b.srv); is.Number != n || !strings.Contains(is.Body, "local_file.a") {
				t.Errorf("issue %+v, returned %d", is, n)
			}
		})
	}
	t.Run("gives up", func(t *testing.T) {
		b := setupGitHub(t, func(c *vcs.GitHubConfig) { c.RetryAttempts = 2 })
		b.srv.FailRoute("POST", issuesRoute, 2, 503)
		n, err := b.gh.ReportDrift(context.Background(), drift("app-dev", plumb.DriftDrifted, 0, edited("local_file.a", "content")))
		if plumb.ErrorCode(err) != plumb.EINTERNAL || n != 0 || len(b.srv.Issues(owner, name)) != 0 {
			t.Errorf("%d, %v; want internal and no issue", n, err)
		}
	})
}

func TestRepository(t *testing.T) {
	b := setupGitHub(t)
	ctx := context.Background()
	got, err := b.gh.Repository(ctx, owner+"/"+name)
	want := plumb.Repository{FullName: "acme/infra", CloneURL: b.srv.CloneURL(owner, name), DefaultBranch: "main"}
	if err != nil || got != want {
		t.Fatalf("Repository = %+v, %v; want %+v", got, err, want)
	}
	b.srv.SetDefaultBranch(owner, name, "trunk")
	if got, err := b.gh.Repository(ctx, owner+"/"+name); err != nil || got.DefaultBranch != "trunk" {
		t.Errorf("after SetDefaultBranch: %+v, %v", got, err)
	}
	_, err = b.gh.Repository(ctx, "acme/nope")
	if plumb.ErrorCode(err) != plumb.ENOTFOUND || !strings.Contains(err.Error(), "--drift-repos") {
		t.Errorf("missing repository: %v, want not_found saying what to check", err)
	}
	b.srv.FailRoute("GET", "/repos/{owner}/{repo}", 2, 502)
	if got, err := b.gh.Repository(ctx, owner+"/"+name); err != nil || got.FullName != "acme/infra" {
		t.Errorf("after two 502s: %+v, %v; want retried", got, err)
	}
}

// An issue that lost its drift label gets it back, so that a later sweep
// that lost the number can still list it.
func TestReportDriftRestoresLabel(t *testing.T) {
	b := setupGitHub(t)
	body := vcs.DriftMarker(owner+"/"+name, "app-dev") + "\nold body"
	n := b.srv.AddIssue(owner, name, githubtest.Issue{Title: "plumb drift: app-dev", Body: body, Labels: []string{"infra"}, User: githubtest.TokenLogin})
	if m := reportDrift(t, b.gh, drift("app-dev", plumb.DriftDrifted, n, edited("local_file.a", "content"))); m != n {
		t.Fatalf("issue %d, want %d", m, n)
	}
	if is := onlyIssue(t, b.srv); strings.Join(is.Labels, ",") != "infra,drift" || !strings.Contains(is.Body, "local_file.a") {
		t.Errorf("issue %+v", is)
	}
}

// Secrets never reach the issue, even when one is the project's name (the
// marker is kept, so the issue is still found) or when redaction makes a
// full body longer than GitHub allows.
func TestReportDriftRedacts(t *testing.T) {
	b := setupGitHub(t)
	b.redact.Add("app-dev", "k3y!")
	var findings []plumb.DriftFinding
	for i := range 1500 {
		findings = append(findings, edited(fmt.Sprintf("local_file.f%d", i), strings.Repeat("k3y!", 8)))
	}
	r := drift("app-dev", plumb.DriftDrifted, 0, findings...)
	r.Remediation = "applied with token k3y!"
	n := reportDrift(t, b.gh, r)
	is := onlyIssue(t, b.srv)
	if len(is.Body) > vcs.MaxIssueLen || len(is.Body) < vcs.MaxIssueLen/2 || strings.Contains(is.Body, "k3y!") || strings.Contains(is.Title, "app-dev") ||
		strings.Count(is.Body, "app-dev") != 1 || !strings.Contains(is.Body, "rows left out") {
		t.Errorf("issue %q, body of %d bytes:\n%.2000s", is.Title, len(is.Body), is.Body)
	}
	if m := reportDrift(t, b.gh, drift("app-dev", plumb.DriftDrifted, 0, edited("local_file.a", "content"))); m != n {
		t.Errorf("issue %d, want %d found by its marker", m, n)
	}
	onlyIssue(t, b.srv)
}
