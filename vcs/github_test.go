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
	"github.com/plumbhq/plumb/vcs/markdown"
)

const owner, name = "acme", "infra"

type ghBundle struct {
	srv    *githubtest.Server
	gh     *vcs.GitHub
	redact *plumb.Redactor
}

// setupGitHub starts a test server with PR #7 and a client of it whose
// retries wait milliseconds; each edit adjusts the client's config.
func setupGitHub(t *testing.T, edits ...func(*vcs.GitHubConfig)) ghBundle {
	t.Helper()
	srv := githubtest.NewServer(t)
	srv.AddPull(owner, name, githubtest.PullRequest{Number: 7, Title: "grow the app", HeadRef: "grow", HeadSHA: headSHA, BaseRef: "main", BaseSHA: baseSHA})
	red := plumb.NewRedactor()
	cfg := vcs.GitHubConfig{BaseURL: srv.URL(), Token: srv.Token(), Redactor: red, RetryBaseWait: time.Millisecond, RetryMaxWait: 20 * time.Millisecond}
	for _, edit := range edits {
		edit(&cfg)
	}
	gh, err := vcs.NewGitHub(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return ghBundle{srv: srv, gh: gh, redact: red}
}

const (
	headSHA = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
	baseSHA = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e"
)

func report(runs ...*plumb.Run) plumb.PlanReport {
	rep := plumb.PlanReport{Repo: owner + "/" + name, PR: 7, Base: baseSHA, Head: headSHA}
	for _, r := range runs {
		rep.Projects = append(rep.Projects, plumb.ProjectReport{Run: r, Reasons: []string{"modified " + r.Dir + "/main.tf"}})
	}
	return rep
}

func run(project string, status plumb.RunStatus, add int, plan string) *plumb.Run {
	return &plumb.Run{Project: project, Dir: "envs/" + project, Workspace: "default", Kind: plumb.RunPlan,
		Status: status, Summary: plumb.PlanSummary{Add: add}, PlanText: plan}
}

func TestReportPlansEditsInPlace(t *testing.T) {
	b := setupGitHub(t)
	ctx := context.Background()
	b.srv.AddComment(owner, name, 7, "octocat", "looks good")
	if err := b.gh.ReportPlans(ctx, report(run("app-dev", plumb.RunChanges, 1, "+ local_file.f"), run("net-dev", plumb.RunNoChanges, 0, ""))); err != nil {
		t.Fatal(err)
	}
	first := plumbComments(t, b.srv)
	if len(first) != 1 || !strings.Contains(first[0].Body, "+1 ~0 -0") {
		t.Fatalf("after the first report: %+v", first)
	}
	if err := b.gh.ReportPlans(ctx, report(run("app-dev", plumb.RunChanges, 3, "+ local_file.g"), run("net-dev", plumb.RunNoChanges, 0, ""))); err != nil {
		t.Fatal(err)
	}
	second := plumbComments(t, b.srv)
	if len(second) != 1 || second[0].ID != first[0].ID || !strings.Contains(second[0].Body, "+3 ~0 -0") {
		t.Fatalf("second report did not edit the comment in place: first %d, now %+v", first[0].ID, second)
	}
	if n := len(b.srv.Comments(owner, name, 7)); n != 2 {
		t.Errorf("%d comments on the PR, want 2 (octocat's and plumb's)", n)
	}
	got := b.srv.LatestStatuses(owner, name, headSHA)
	want := map[string][2]string{
		"plumb/plan: app-dev": {"success", "+3 ~0 -0"},
		"plumb/plan: net-dev": {"success", "no changes"},
	}
	for ctxName, w := range want {
		if st := got[ctxName]; st.State != w[0] || st.Description != w[1] {
			t.Errorf("status %q = %q %q, want %q %q", ctxName, st.State, st.Description, w[0], w[1])
		}
	}
	if len(got) != len(want) {
		t.Errorf("statuses %v", got)
	}
}

func TestReportPlansSplitThenShrink(t *testing.T) {
	b := setupGitHub(t)
	ctx := context.Background()
	var long strings.Builder
	for i := range 1200 {
		fmt.Fprintf(&long, "  + resource \"local_file\" \"f%d\" { content = \"%s\" }\n", i, strings.Repeat("x", 20))
	}
	if err := b.gh.ReportPlans(ctx, report(run("app-dev", plumb.RunChanges, 1200, long.String()))); err != nil {
		t.Fatal(err)
	}
	parts := plumbComments(t, b.srv)
	if len(parts) != 2 || !strings.HasPrefix(parts[0].Body, markdown.CommentMarker+" part 1 of 2") || !strings.HasPrefix(parts[1].Body, markdown.CommentMarker+" part 2 of 2") {
		t.Fatalf("long report: %d comments", len(parts))
	}
	if err := b.gh.ReportPlans(ctx, report(run("app-dev", plumb.RunChanges, 1, "+ local_file.f"))); err != nil {
		t.Fatal(err)
	}
	after := plumbComments(t, b.srv)
	if len(after) != 1 || after[0].ID != parts[0].ID || !strings.HasPrefix(after[0].Body, markdown.CommentMarker+" -->") {
		t.Fatalf("after shrinking: %+v (part 1 was %d)", after, parts[0].ID)
	}
}

// Others' comments fill more than one page: plumb still finds its own.
func TestReportPlansPaginates(t *testing.T) {
	b := setupGitHub(t)
	ctx := context.Background()
	rep := report(run("app-dev", plumb.RunChanges, 1, "+ local_file.f"))
	if err := b.gh.ReportPlans(ctx, rep); err != nil {
		t.Fatal(err)
	}
	for i := range 130 {
		b.srv.AddComment(owner, name, 7, "octocat", fmt.Sprintf("comment %d", i))
	}
	rep.Projects[0].Run.Summary.Add = 2
	if err := b.gh.ReportPlans(ctx, rep); err != nil {
		t.Fatal(err)
	}
	if got := plumbComments(t, b.srv); len(got) != 1 || !strings.Contains(got[0].Body, "+2 ~0 -0") {
		t.Fatalf("plumb comments after 130 others: %d", len(got))
	}
	var page2 bool
	for _, r := range b.srv.Requests() {
		if strings.Contains(r, "page=2") {
			page2 = strings.HasPrefix(r, "GET /api/v3/repos/acme/infra/issues/7/comments?")
		}
	}
	if !page2 {
		t.Errorf("no second page fetched under /api/v3: %v", b.srv.Requests())
	}
}

// The token is a canary: it must not reach a comment, a status or an error.
func TestGitHubRedactsToken(t *testing.T) {
	b := setupGitHub(t)
	ctx := context.Background()
	tok := b.srv.Token()
	r := run("app-dev", plumb.RunFailed, 0, "+ token = \""+tok+"\"")
	r.Error = "auth with " + tok + " failed"
	if err := b.gh.ReportPlans(ctx, report(r)); err != nil {
		t.Fatal(err)
	}
	for _, c := range b.srv.Comments(owner, name, 7) {
		if strings.Contains(c.Body, tok) {
			t.Error("token in a comment")
		}
	}
	for _, st := range b.srv.Statuses(owner, name, headSHA) {
		if strings.Contains(st.Description, tok) {
			t.Error("token in a status")
		}
	}
	for _, req := range b.srv.Requests() {
		if strings.Contains(req, tok) {
			t.Errorf("token in a URL: %s", req)
		}
	}
	// Wrong credentials: unauthorized, and the error does not echo them.
	bad := "ghp_wrongwrongwrong"
	gh, err := vcs.NewGitHub(vcs.GitHubConfig{BaseURL: b.srv.URL(), Token: bad, Redactor: plumb.NewRedactor()})
	if err != nil {
		t.Fatal(err)
	}
	err = gh.SetStatus(ctx, owner+"/"+name, headSHA, plumb.CommitStatus{Context: "plumb/plan: x", State: "pending"})
	if plumb.ErrorCode(err) != plumb.EUNAUTHORIZED || strings.Contains(err.Error(), bad) {
		t.Errorf("bad token: err = %v", err)
	}
}

func plumbComments(t *testing.T, srv *githubtest.Server) []githubtest.Comment {
	t.Helper()
	var out []githubtest.Comment
	for _, c := range srv.Comments(owner, name, 7) {
		if strings.HasPrefix(c.Body, markdown.CommentMarker) {
			out = append(out, c)
		}
	}
	return out
}

// Someone pastes plumb's marker into their own comment: plumb neither
// edits it (GitHub would refuse) nor mistakes it for its own.
func TestReportPlansIgnoresOthersMarkers(t *testing.T) {
	b := setupGitHub(t)
	id := b.srv.AddComment(owner, name, 7, "mallory", markdown.CommentMarker+" -->\nfake plan")
	if err := b.gh.ReportPlans(context.Background(), report(run("app-dev", plumb.RunChanges, 1, ""))); err != nil {
		t.Fatal(err)
	}
	cs := b.srv.Comments(owner, name, 7)
	if len(cs) != 2 || cs[0].ID != id || cs[0].Body != markdown.CommentMarker+" -->\nfake plan" || cs[1].User != githubtest.TokenLogin {
		t.Errorf("comments %+v", cs)
	}
}

func TestGitHubPullRequestReviewsPermission(t *testing.T) {
	b := setupGitHub(t)
	ctx := context.Background()
	repo := owner + "/" + name
	pr, err := b.gh.PullRequest(ctx, repo, 7)
	if err != nil || pr.HeadSHA != headSHA || pr.BaseRef != "main" || pr.State != "open" || pr.Fork {
		t.Fatalf("pull request %+v, %v", pr, err)
	}
	if _, err := b.gh.PullRequest(ctx, repo, 8); plumb.ErrorCode(err) != plumb.ENOTFOUND {
		t.Errorf("missing PR: %v", err)
	}
	b.srv.AddReview(owner, name, 7, "alice", "APPROVED")
	b.srv.AddReview(owner, name, 7, "bob", "APPROVED")
	b.srv.AddReview(owner, name, 7, "bob", "CHANGES_REQUESTED")
	b.srv.AddReview(owner, name, 7, "alice", "COMMENTED")
	got, err := b.gh.Reviews(ctx, repo, 7)
	if err != nil || len(got) != 4 || got[0] != (plumb.Review{User: "alice", State: "APPROVED", CommitSHA: headSHA}) || got[2].State != "CHANGES_REQUESTED" {
		t.Errorf("reviews %+v, %v; want the four, oldest first, with their commit", got, err)
	}
	b.srv.SetPermission(owner, name, "alice", "write")
	for login, want := range map[string]string{"alice": "write", "mallory": "none"} {
		if got, err := b.gh.Permission(ctx, repo, login); err != nil || got != want {
			t.Errorf("permission of %s = %q, %v; want %q", login, got, err, want)
		}
	}
}
