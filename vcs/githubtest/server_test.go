package githubtest_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/plumbhq/plumb/vcs/githubtest"
)

// recorder stands in for the test so a rejection the server reports can be
// checked instead of failing this test.
type recorder struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *recorder) rejections() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errs...)
}

func client(t testing.TB, srv *githubtest.Server) *github.Client {
	c, err := github.NewClient(nil).WithAuthToken(srv.Token()).WithEnterpriseURLs(srv.URL(), srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The validator bites: requests the real API would refuse fail the test
// and get the answer GitHub would give.
func TestServerRejectsInvalidRequests(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		do     func(c *github.Client) (*github.Response, error)
		status int
		want   string
	}{
		{"status state not in the enum", func(c *github.Client) (*github.Response, error) {
			_, resp, err := c.Repositories.CreateStatus(ctx, "acme", "infra", "abc123", &github.RepoStatus{State: github.String("bogus"), Context: github.String("plumb/plan: x")})
			return resp, err
		}, 422, "bogus"},
		{"status without a state", func(c *github.Client) (*github.Response, error) {
			_, resp, err := c.Repositories.CreateStatus(ctx, "acme", "infra", "abc123", &github.RepoStatus{Context: github.String("plumb/plan: x")})
			return resp, err
		}, 422, "state"},
		{"comment body field misspelt", func(c *github.Client) (*github.Response, error) {
			req, _ := c.NewRequest("POST", "repos/acme/infra/issues/1/comments", map[string]string{"bodi": "hi"})
			return c.Do(ctx, req, nil)
		}, 422, "body"},
		{"a field the operation does not declare", func(c *github.Client) (*github.Response, error) {
			req, _ := c.NewRequest("POST", "repos/acme/infra/issues/1/comments", map[string]string{"body": "hi", "sticky": "yes"})
			return c.Do(ctx, req, nil)
		}, 422, "sticky"},
		{"unknown route", func(c *github.Client) (*github.Response, error) {
			req, _ := c.NewRequest("GET", "repos/acme/infra/plumbing", nil)
			return c.Do(ctx, req, nil)
		}, 404, "not in GitHub's REST API"},
		{"method the route does not take", func(c *github.Client) (*github.Response, error) {
			req, _ := c.NewRequest("PUT", "repos/acme/infra/statuses/abc123", map[string]string{"state": "success"})
			return c.Do(ctx, req, nil)
		}, 404, "not in GitHub's REST API"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{TB: t}
			srv := githubtest.NewServer(rec)
			srv.AddPull("acme", "infra", githubtest.PullRequest{Number: 1})
			resp, err := tt.do(client(t, srv))
			if err == nil || resp == nil || resp.StatusCode != tt.status {
				t.Fatalf("resp %v, err %v: want a %d", resp, err, tt.status)
			}
			rej := rec.rejections()
			t.Logf("rejected: %q", rej)
			if len(rej) != 1 || !strings.Contains(rej[0], tt.want) {
				t.Errorf("rejections %q, want one mentioning %q", rej, tt.want)
			}
		})
	}
}

func TestSpecLoadTime(t *testing.T) {
	d := githubtest.SpecLoadTime()
	t.Logf("OpenAPI subset loaded and indexed in %v", d)
	if d > 5*time.Second {
		t.Errorf("loading the OpenAPI subset took %v: keep the subset small", d)
	}
}

func TestServerRequiresAuth(t *testing.T) {
	srv := githubtest.NewServer(t)
	c, _ := github.NewClient(nil).WithAuthToken("ghp_nope").WithEnterpriseURLs(srv.URL(), srv.URL())
	_, resp, err := c.Repositories.CreateStatus(context.Background(), "acme", "infra", "abc", &github.RepoStatus{State: github.String("success")})
	if err == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("resp %v err %v, want 401", resp, err)
	}
}

func TestServerPaginates(t *testing.T) {
	srv := githubtest.NewServer(t)
	srv.AddPull("acme", "infra", githubtest.PullRequest{Number: 3})
	for range 45 {
		srv.AddComment("acme", "infra", 3, "octocat", "hi")
	}
	c := client(t, srv)
	opts := &github.IssueListCommentsOptions{ListOptions: github.ListOptions{PerPage: 20}}
	var n, pages int
	for {
		cs, resp, err := c.Issues.ListComments(context.Background(), "acme", "infra", 3, opts)
		if err != nil {
			t.Fatal(err)
		}
		n, pages = n+len(cs), pages+1
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	if n != 45 || pages != 3 {
		t.Errorf("%d comments over %d pages, want 45 over 3", n, pages)
	}
}

// The git side is real: clone, over smart HTTP, what was pushed into the
// bare repository, with the token as basic auth and never in the URL.
func TestServerServesGit(t *testing.T) {
	srv := githubtest.NewServer(t)
	bare := srv.InitRepo(t, "acme", "infra")
	work := t.TempDir()
	git(t, work, "init", "-q", "-b", "main")
	if err := os.WriteFile(filepath.Join(work, "main.tf"), []byte("# hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git(t, work, "add", ".")
	git(t, work, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "first")
	git(t, work, "push", "-q", bare, "main")

	clone := filepath.Join(t.TempDir(), "clone")
	cmd := exec.Command("git", "-c", "http.extraHeader=Authorization: Basic "+basic("x-access-token", srv.Token()), "clone", "-q", srv.CloneURL("acme", "infra"), clone)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("clone: %v\n%s", err, out)
	}
	if b, err := os.ReadFile(filepath.Join(clone, "main.tf")); err != nil || string(b) != "# hello\n" {
		t.Fatalf("cloned main.tf = %q, %v", b, err)
	}
	cmd = exec.Command("git", "clone", "-q", srv.CloneURL("acme", "infra"), filepath.Join(t.TempDir(), "anon"))
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0")
	if err := cmd.Run(); err == nil {
		t.Error("clone without credentials succeeded")
	}
}

func git(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

func basic(user, pass string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
}

// Each injected fault is the answer GitHub gives, as go-github reads it,
// and leaves the server's state alone.
func TestServerFaults(t *testing.T) {
	ctx := context.Background()
	post := func(c *github.Client) error {
		_, _, err := c.Issues.CreateComment(ctx, "acme", "infra", 1, &github.IssueComment{Body: github.String("hi")})
		return err
	}
	tests := []struct {
		name  string
		fault githubtest.Fault
		check func(t *testing.T, err error)
	}{
		{"server error", githubtest.ServerError(502), func(t *testing.T, err error) {
			var er *github.ErrorResponse
			if !errors.As(err, &er) || er.Response.StatusCode != 502 || er.Response.Header.Get("Retry-After") != "" {
				t.Errorf("err = %v, want a plain 502", err)
			}
		}},
		{"primary rate limit", githubtest.PrimaryRateLimit(), func(t *testing.T, err error) {
			var rl *github.RateLimitError
			if !errors.As(err, &rl) || rl.Response.StatusCode != 403 || rl.Rate.Remaining != 0 || time.Until(rl.Rate.Reset.Time) < 30*time.Second {
				t.Errorf("err = %v, want a 403 rate limit resetting in a minute", err)
			}
		}},
		{"secondary rate limit", githubtest.SecondaryRateLimit(1500 * time.Millisecond), func(t *testing.T, err error) {
			var ab *github.AbuseRateLimitError
			if !errors.As(err, &ab) || ab.RetryAfter == nil || *ab.RetryAfter != 2*time.Second {
				t.Errorf("err = %v, want a secondary rate limit with Retry-After: 2", err)
			}
		}},
		{"validation failed", githubtest.ValidationFailed("IssueComment", "body", "missing_field"), func(t *testing.T, err error) {
			var er *github.ErrorResponse
			if !errors.As(err, &er) || er.Response.StatusCode != 422 || er.Message != "Validation Failed" ||
				len(er.Errors) != 1 || er.Errors[0].Field != "body" || er.Errors[0].Code != "missing_field" {
				t.Errorf("err = %v, want GitHub's 422", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := githubtest.NewServer(t)
			srv.AddPull("acme", "infra", githubtest.PullRequest{Number: 1})
			srv.Inject(1, tt.fault)
			tt.check(t, post(client(t, srv))) // a fresh client: go-github remembers rate limits
			if n := len(srv.Comments("acme", "infra", 1)); n != 0 {
				t.Errorf("a faulted request created %d comments", n)
			}
			if err := post(client(t, srv)); err != nil {
				t.Errorf("after the fault: %v", err)
			}
		})
	}
}

// AfterEffect: the operation happens, and its answer is lost.
func TestServerFaultAfterEffect(t *testing.T) {
	srv := githubtest.NewServer(t)
	srv.AddPull("acme", "infra", githubtest.PullRequest{Number: 1})
	srv.InjectRoute("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments", 1, githubtest.ServerError(502).AfterEffect())
	_, _, err := client(t, srv).Issues.CreateComment(context.Background(), "acme", "infra", 1, &github.IssueComment{Body: github.String("hi")})
	if !isStatus(err, 502) || len(srv.Comments("acme", "infra", 1)) != 1 {
		t.Errorf("err %v, comments %+v; want a 502 and the comment made", err, srv.Comments("acme", "infra", 1))
	}
}

// A route's faults hit only that route, and are used before faults for
// any route.
func TestServerFaultsPerRoute(t *testing.T) {
	ctx := context.Background()
	srv := githubtest.NewServer(t)
	srv.AddPull("acme", "infra", githubtest.PullRequest{Number: 1})
	c := client(t, srv)
	srv.FailRoute("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments", 2, 503)
	srv.FailNext(1, 500)
	if _, _, err := c.PullRequests.Get(ctx, "acme", "infra", 1); !isStatus(err, 500) {
		t.Errorf("GET pull: %v, want the any-route 500", err)
	}
	if _, _, err := c.PullRequests.Get(ctx, "acme", "infra", 1); err != nil {
		t.Errorf("GET pull after the faults for it: %v", err)
	}
	for i := range 3 {
		_, _, err := c.Issues.CreateComment(ctx, "acme", "infra", 1, &github.IssueComment{Body: github.String("hi")})
		if want := i < 2; want != isStatus(err, 503) || (!want && err != nil) {
			t.Errorf("comment %d: %v", i, err)
		}
	}
	rec := &recorder{TB: t}
	githubtest.NewServer(rec).FailRoute("POST", "/repos/{owner}/{repo}/plumbing", 1, 502)
	if rej := rec.rejections(); len(rej) != 1 || !strings.Contains(rej[0], "not in the description subset") {
		t.Errorf("a route not in the description: %q", rej)
	}
}

func isStatus(err error, status int) bool {
	var er *github.ErrorResponse
	return errors.As(err, &er) && er.Response.StatusCode == status
}

func TestServerReactions(t *testing.T) {
	ctx := context.Background()
	srv := githubtest.NewServer(t)
	srv.AddPull("acme", "infra", githubtest.PullRequest{Number: 1})
	id := srv.AddComment("acme", "infra", 1, "alice", "plumb plan")
	c := client(t, srv)
	for i, want := range []int{201, 200} { // the same reaction again is answered 200
		r, resp, err := c.Reactions.CreateIssueCommentReaction(ctx, "acme", "infra", id, "eyes")
		if err != nil || resp.StatusCode != want || r.GetContent() != "eyes" || r.GetUser().GetLogin() != githubtest.TokenLogin {
			t.Errorf("reaction %d: %+v, %v, %v", i, r, resp, err)
		}
	}
	if _, _, err := c.Reactions.CreateIssueCommentReaction(ctx, "acme", "infra", id, "+1"); err != nil {
		t.Fatal(err)
	}
	if got := srv.Reactions("acme", "infra", id); strings.Join(got, ",") != "eyes,+1" {
		t.Errorf("reactions %q", got)
	}
	if _, _, err := c.Reactions.CreateIssueCommentReaction(ctx, "acme", "infra", id+100, "eyes"); !isStatus(err, 404) {
		t.Errorf("reaction to a missing comment: %v", err)
	}
}

func TestServerTeamsAndCommitPulls(t *testing.T) {
	ctx := context.Background()
	srv := githubtest.NewServer(t)
	srv.AddTeamMember("acme", "infra-admins", "alice")
	c := client(t, srv)
	m, _, err := c.Teams.GetTeamMembershipBySlug(ctx, "acme", "infra-admins", "alice")
	if err != nil || m.GetState() != "active" {
		t.Errorf("alice: %+v, %v", m, err)
	}
	if _, _, err := c.Teams.GetTeamMembershipBySlug(ctx, "acme", "infra-admins", "bob"); !isStatus(err, 404) {
		t.Errorf("bob: %v, want 404", err)
	}
	yes := true
	srv.AddPull("acme", "infra", githubtest.PullRequest{Number: 1, HeadRef: "a", HeadSHA: "aaa", BaseRef: "main", Mergeable: &yes})
	srv.AddPull("acme", "infra", githubtest.PullRequest{Number: 2, HeadRef: "b", HeadSHA: "bbb", BaseRef: "main",
		Merged: true, State: "closed", MergeCommitSHA: "mmm"})
	for sha, want := range map[string][]int{"mmm": {2}, "bbb": {2}, "aaa": {1}, "zzz": nil} {
		prs, _, err := c.PullRequests.ListPullRequestsWithCommit(ctx, "acme", "infra", sha, nil)
		var got []int
		for _, p := range prs {
			got = append(got, p.GetNumber())
		}
		if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("pulls of %s: %v, %v; want %v", sha, got, err, want)
		}
	}
	p, _, err := c.PullRequests.Get(ctx, "acme", "infra", 2)
	if err != nil || !p.GetMerged() || p.GetMergeCommitSHA() != "mmm" || p.MergedAt == nil || p.Mergeable != nil || p.GetMergeableState() != "unknown" {
		t.Errorf("merged pull %+v, %v", p, err)
	}
	p, _, err = c.PullRequests.Get(ctx, "acme", "infra", 1)
	if err != nil || p.GetMerged() || p.MergeCommitSHA != nil || !p.GetMergeable() || p.GetMergeableState() != "clean" {
		t.Errorf("open pull %+v, %v", p, err)
	}
}
