package vcs_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/vcs"
	"github.com/plumbhq/plumb/vcs/githubtest"
	"github.com/plumbhq/plumb/vcs/markdown"
)

const (
	commentsRoute = "/repos/{owner}/{repo}/issues/{issue_number}/comments"
	commentRoute  = "/repos/{owner}/{repo}/issues/comments/{comment_id}"
	statusRoute   = "/repos/{owner}/{repo}/statuses/{sha}"
)

// failedReport is a report whose comment and statuses are easy to check.
func failedReport() plumb.PlanReport {
	rep := report(run("app-dev", plumb.RunFailed, 0, ""))
	rep.Projects[0].Run.Error = "tofu init: provider registry.opentofu.org/hashicorp/local: not found\nmore detail"
	return rep
}

// reportEndsRight checks what a failedReport leaves: one plumb comment
// with the report's body, and the project's status.
func reportEndsRight(t *testing.T, b ghBundle, rep plumb.PlanReport) {
	t.Helper()
	cs := plumbComments(t, b.srv)
	if want := markdown.RenderComment(rep, 0)[0]; len(cs) != 1 || cs[0].Body != want {
		t.Errorf("%d plumb comments, want 1 with the report's body: %+v", len(cs), cs)
	}
	st := b.srv.LatestStatuses(owner, name, headSHA)["plumb/plan: app-dev"]
	if st.State != "failure" || st.Description != "failed: tofu init: provider registry.opentofu.org/hashicorp/local: not found" {
		t.Errorf("status %+v", st)
	}
}

// A 502 or a rate limit anywhere in ReportPlans is retried inside the
// call, and the comment and statuses end as if nothing had failed.
func TestReportPlansRetries(t *testing.T) {
	tests := []struct {
		name   string
		inject func(s *githubtest.Server)
		tries  string // a request that must have been made more than once
	}{
		// The first request of a report looks up plumb's own login.
		{"502 on any route", func(s *githubtest.Server) { s.FailNext(2, 502) }, "GET /api/v3/user"},
		{"rate limit on any route", func(s *githubtest.Server) { s.RateLimitNext(2) }, "GET /api/v3/user"},
		{"502 listing comments", func(s *githubtest.Server) { s.FailRoute("GET", commentsRoute, 2, 502) }, "GET /api/v3/repos/acme/infra/issues/7/comments"},
		{"502 creating the comment", func(s *githubtest.Server) { s.FailRoute("POST", commentsRoute, 2, 502) }, "POST /api/v3/repos/acme/infra/issues/7/comments"},
		{"rate limit creating the comment", func(s *githubtest.Server) { s.RateLimitRoute("POST", commentsRoute, 2) }, "POST /api/v3/repos/acme/infra/issues/7/comments"},
		{"secondary rate limit on the status", func(s *githubtest.Server) {
			s.InjectRoute("POST", statusRoute, 1, githubtest.SecondaryRateLimit(time.Second))
		}, "POST /api/v3/repos/acme/infra/statuses/" + headSHA},
		{"503 on the status", func(s *githubtest.Server) { s.FailRoute("POST", statusRoute, 3, 503) }, "POST /api/v3/repos/acme/infra/statuses/" + headSHA},
		// GitHub made the comment, then lost its answer: the next pass
		// finds and keeps it instead of posting a second.
		{"502 after the comment was made", func(s *githubtest.Server) {
			s.InjectRoute("POST", commentsRoute, 1, githubtest.ServerError(502).AfterEffect())
		}, "GET /api/v3/repos/acme/infra/issues/7/comments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := setupGitHub(t)
			rep := failedReport()
			tt.inject(b.srv)
			if err := b.gh.ReportPlans(context.Background(), rep); err != nil {
				t.Fatalf("ReportPlans: %v", err)
			}
			reportEndsRight(t, b, rep)
			if n := count(b.srv.Requests(), tt.tries); n < 2 {
				t.Errorf("%q sent %d times, want a retry: %q", tt.tries, n, b.srv.Requests())
			}
		})
	}
}

// An existing comment is edited through a retried PATCH.
func TestReportPlansRetriesEdit(t *testing.T) {
	b := setupGitHub(t)
	ctx := context.Background()
	if err := b.gh.ReportPlans(ctx, report(run("app-dev", plumb.RunChanges, 1, ""))); err != nil {
		t.Fatal(err)
	}
	b.srv.FailRoute("PATCH", commentRoute, 2, 502)
	rep := failedReport()
	if err := b.gh.ReportPlans(ctx, rep); err != nil {
		t.Fatal(err)
	}
	reportEndsRight(t, b, rep)
}

func count(reqs []string, prefix string) int {
	n := 0
	for _, r := range reqs {
		if strings.HasPrefix(r, prefix) {
			n++
		}
	}
	return n
}

// After the last attempt the error keeps its code: EINTERNAL, worth
// retrying later; and the attempts are bounded.
func TestReportPlansGivesUp(t *testing.T) {
	for _, tt := range []struct {
		name   string
		inject func(s *githubtest.Server, n int)
		want   string
	}{
		{"502", func(s *githubtest.Server, n int) { s.FailNext(n, 502) }, "502"},
		{"rate limit", func(s *githubtest.Server, n int) { s.RateLimitNext(n) }, "rate limit"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := setupGitHub(t, func(c *vcs.GitHubConfig) { c.RetryAttempts = 3 })
			tt.inject(b.srv, 3)
			err := b.gh.ReportPlans(context.Background(), failedReport())
			if plumb.ErrorCode(err) != plumb.EINTERNAL || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want internal mentioning %q", err, tt.want)
			}
			if n := count(b.srv.Requests(), "GET /api/v3/user"); n != 3 {
				t.Errorf("looked up the login %d times, want 3 attempts", n)
			}
		})
	}
}

// Other 4xx are final: no second attempt.
func TestGitHubDoesNotRetryRefusals(t *testing.T) {
	b := setupGitHub(t)
	ctx := context.Background()
	b.srv.InjectRoute("POST", commentsRoute, 1, githubtest.ValidationFailed("IssueComment", "body", "invalid"))
	if err := b.gh.Reply(ctx, owner+"/"+name, 7, "hi"); plumb.ErrorCode(err) != plumb.EINVALID {
		t.Errorf("422: %v, want invalid", err)
	}
	if _, err := b.gh.PullRequest(ctx, owner+"/"+name, 999); plumb.ErrorCode(err) != plumb.ENOTFOUND {
		t.Errorf("404: %v, want not_found", err)
	}
	b.srv.FailRoute("POST", commentsRoute, 1, 403)
	if err := b.gh.Reply(ctx, owner+"/"+name, 7, "hi"); plumb.ErrorCode(err) != plumb.EUNAUTHORIZED {
		t.Errorf("403: %v, want unauthorized", err)
	}
	reqs := b.srv.Requests()
	if n, m := count(reqs, "POST /api/v3/repos/acme/infra/issues/7/comments"), count(reqs, "GET /api/v3/repos/acme/infra/pulls/999"); n != 2 || m != 1 {
		t.Errorf("%d comment posts, %d pull request reads; want 2 and 1: %q", n, m, reqs)
	}
	if len(b.srv.Comments(owner, name, 7)) != 0 {
		t.Error("a refused reply was posted")
	}
}

// A broken connection is retried too.
func TestGitHubRetriesNetworkErrors(t *testing.T) {
	var drops atomic.Int32
	drops.Store(2)
	b := setupGitHub(t, func(c *vcs.GitHubConfig) {
		c.Transport = roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if drops.Add(-1) >= 0 {
				return nil, errors.New("connection reset by peer")
			}
			return http.DefaultTransport.RoundTrip(r)
		})
	})
	pr, err := b.gh.PullRequest(context.Background(), owner+"/"+name, 7)
	if err != nil || pr.Number != 7 {
		t.Fatalf("PullRequest after two dropped connections: %+v, %v", pr, err)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// The ctx cancels a wait: a call whose retry would wait a minute returns
// when its context ends.
func TestGitHubRetryWaitHonoursContext(t *testing.T) {
	b := setupGitHub(t, func(c *vcs.GitHubConfig) { c.RetryBaseWait, c.RetryMaxWait = time.Minute, time.Minute })
	b.srv.FailNext(1, 502)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := b.gh.PullRequest(ctx, owner+"/"+name, 7)
	if err == nil || time.Since(start) > 10*time.Second {
		t.Errorf("err = %v after %v, want the context's error promptly", err, time.Since(start))
	}
}

// Each retry is logged, with what was retried and why.
func TestGitHubLogsRetries(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	b := setupGitHub(t, func(c *vcs.GitHubConfig) { c.Logger = log })
	b.srv.FailNext(2, 502)
	if _, err := b.gh.PullRequest(context.Background(), owner+"/"+name, 7); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "github: retrying") || !strings.Contains(lines[0], "502") ||
		!strings.Contains(lines[0], "path=/api/v3/repos/acme/infra/pulls/7") || !strings.Contains(lines[1], "attempt=2") {
		t.Errorf("log:\n%s", buf.String())
	}
}
