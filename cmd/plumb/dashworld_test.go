package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/server"
	"github.com/plumbhq/plumb/server/dashboard"
	"github.com/plumbhq/plumb/store/sqlite"
	"github.com/plumbhq/plumb/vcs"
	"github.com/plumbhq/plumb/vcs/githubtest"
)

// dashWorld is plumb serve's HTTP handler with its dashboard on a real
// SQLite store, logging in through the GitHub test server's OAuth flow and
// asking it for permissions (alice writes acme/infra, bob reads it, carol
// has none).
type dashWorld struct {
	t      testing.TB
	gh     *githubtest.Server
	db     *sqlite.DB
	data   string
	srv    *httptest.Server
	red    *plumb.Redactor
	layout []plumb.RepoLayout
}

const (
	dashRepo   = "acme/infra"
	adminToken = "plumb-admin-token-0123456789"
	canary     = "CANARY-s3cr3t-7f1d2a"
)

func newDashWorld(t *testing.T) *dashWorld {
	t.Helper()
	return newDashWorldOn(t, t.TempDir(), plumb.NewRedactor(canary))
}

// newDashWorldOn serves the store in data, redacting with red.
func newDashWorldOn(t testing.TB, data string, red *plumb.Redactor) *dashWorld {
	t.Helper()
	w := &dashWorld{t: t, gh: githubtest.NewServer(t), data: data, red: red}
	db, err := sqlite.Open(t.Context(), filepath.Join(w.data, "plumb.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	w.db = db
	w.gh.SetPermission("acme", "infra", "alice", "write")
	w.gh.SetPermission("acme", "infra", "bob", "read")
	forge, err := vcs.NewGitHub(vcs.GitHubConfig{BaseURL: w.gh.EnterpriseURL(), Token: w.gh.Token(), Redactor: w.red})
	if err != nil {
		t.Fatal(err)
	}
	w.layout = []plumb.RepoLayout{{Repo: dashRepo, Environments: []string{"dev", "staging", "prod"}, Projects: []plumb.Project{
		{Name: "network-dev", Dir: "envs/dev/network", Environment: "dev"},
		{Name: "app-dev", Dir: "envs/dev/app", Environment: "dev"},
		{Name: "network-staging", Dir: "envs/staging/network", Environment: "staging"},
		{Name: "app-staging", Dir: "envs/staging/app", Environment: "staging"},
		{Name: "network-prod", Dir: "envs/prod/network", Environment: "prod"},
		{Name: "app-prod", Dir: "envs/prod/app", Environment: "prod"},
	}}}
	log := slog.New(slog.NewTextHandler(t.Output(), nil))
	dash, err := dashboard.New(dashboard.Config{
		Store: db, Permissions: forge, WebURL: w.gh.WebURL(), APIURL: w.gh.EnterpriseURL() + "/api/v3/",
		ClientID: githubtest.OAuthClientID, ClientSecret: w.gh.OAuthSecret(), SessionKey: []byte(strings.Repeat("s", 32)),
		AdminToken: adminToken, Redact: w.red.String, Logger: log, PollInterval: 50 * time.Millisecond,
		Layout: func(context.Context) ([]plumb.RepoLayout, error) { return w.layout, nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	h, err := server.New(server.Config{Parser: &vcs.Webhooks{Secret: []byte("s")}, Sink: nopSink{}, Logger: log,
		Dashboard: dash, MetricsAuth: true})
	if err != nil {
		t.Fatal(err)
	}
	w.srv = httptest.NewServer(h)
	t.Cleanup(w.srv.Close)
	return w
}

type nopSink struct{}

func (nopSink) Accept(context.Context, plumb.Event, []byte) (bool, error) { return true, nil }

// client is a browser without JavaScript: cookies, no redirects followed.
func (w *dashWorld) client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// login walks the OAuth flow as login and returns the logged-in client.
func (w *dashWorld) login(login string) *http.Client {
	w.t.Helper()
	c := w.client()
	loc := w.follow(c, w.srv.URL+"/auth/github?next=/locks", http.StatusFound)
	u, _ := url.Parse(loc)
	if !strings.HasPrefix(loc, w.gh.WebURL()+"/login/oauth/authorize") {
		w.t.Fatalf("login goes to %s", loc)
	}
	q := u.Query()
	resp, err := c.PostForm(w.gh.WebURL()+"/login/oauth/authorize", url.Values{"client_id": {q.Get("client_id")},
		"redirect_uri": {q.Get("redirect_uri")}, "state": {q.Get("state")}, "login": {login}, "authorize": {"1"}})
	if err != nil {
		w.t.Fatal(err)
	}
	resp.Body.Close()
	if next := w.follow(c, resp.Header.Get("Location"), http.StatusSeeOther); next != "/locks" {
		w.t.Fatalf("after login: %s, want /locks", next)
	}
	return c
}

// follow GETs u, wants status, and returns the Location.
func (w *dashWorld) follow(c *http.Client, u string, status int) string {
	w.t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		w.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != status {
		w.t.Fatalf("GET %s: %d, want %d", u, resp.StatusCode, status)
	}
	return resp.Header.Get("Location")
}

// get GETs path and returns the status and body.
func (w *dashWorld) get(c *http.Client, path string, header ...string) (int, string) {
	w.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, w.srv.URL+path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// seed stores runs, a drift state, locks and audit entries as the jobs
// would; with leak, one of each has the canary in it (as if a redaction
// had been missed upstream).
func (w *dashWorld) seed(leak bool) (applied *plumb.Run, lock plumb.Lock) {
	w.t.Helper()
	canary := canary
	if !leak {
		canary = "nothing secret"
	}
	ctx := w.t.Context()
	t0 := time.Now().Add(-time.Hour).UTC()
	for i, r := range []*plumb.Run{
		{ID: "r-apply-dev", Repo: dashRepo, Project: "app-dev", Dir: "envs/dev/app", Kind: plumb.RunApply, Status: plumb.RunApplied,
			Trigger: "PR #3", Commit: "c0ffee0123456789", PlanText: "password = " + canary},
		{ID: "r-plan-prod", Repo: dashRepo, Project: "app-prod", Dir: "envs/prod/app", Kind: plumb.RunPlan, Status: plumb.RunChanges,
			Trigger: "PR #12", Commit: "bada55", Summary: plumb.PlanSummary{Add: 2}},
		{ID: "r-drift-dev", Repo: dashRepo, Project: "app-dev", Dir: "envs/dev/app", Kind: plumb.RunDrift, Status: plumb.RunChanges,
			Trigger: "drift", Commit: "c0ffee0123456789", Error: "token " + canary},
		{ID: "r-other", Repo: "acme/secret", Project: "vault", Dir: "vault", Kind: plumb.RunApply, Status: plumb.RunApplied, Trigger: "main"},
	} {
		r.CreatedAt, r.StartedAt, r.FinishedAt = t0.Add(time.Duration(i)*time.Minute), t0, t0.Add(time.Duration(i)*time.Minute+time.Second)
		r.Workspace, r.Resources = "default", []plumb.ResourceChange{}
		if err := w.db.CreateRun(ctx, r); err != nil {
			w.t.Fatal(err)
		}
		if err := w.db.AppendRunLog(ctx, r.ID, "init ok", "secret is "+canary); err != nil {
			w.t.Fatal(err)
		}
		if r.ID == "r-apply-dev" {
			applied = r
		}
	}
	if err := w.db.SaveDriftState(ctx, plumb.DriftState{Repo: dashRepo, Project: "app-dev", Dir: "envs/dev/app", Workspace: "default",
		Status: plumb.DriftDrifted, CheckedAt: time.Now().UTC(), RunID: "r-drift-dev", Findings: []plumb.DriftFinding{
			{Address: "local_file.config", Kind: plumb.DriftOutOfBand, Action: "delete", Attributes: []string{}}}}); err != nil {
		w.t.Fatal(err)
	}
	lock, err := w.db.AcquireLock(ctx, plumb.Lock{Key: plumb.LockKey{Repo: dashRepo, Dir: "envs/prod/app", Workspace: "default"},
		Project: "app-prod", Owner: "PR #12", Reason: "plan bada55"})
	if err != nil {
		w.t.Fatal(err)
	}
	if _, err := w.db.AcquireLock(ctx, plumb.Lock{Key: plumb.LockKey{Repo: "acme/secret", Dir: "vault", Workspace: "default"},
		Project: "vault", Owner: "main", Reason: "apply"}); err != nil {
		w.t.Fatal(err)
	}
	for _, a := range []plumb.AuditEntry{
		{Actor: "PR #3", Action: "apply", Repo: dashRepo, Project: "app-dev", RunID: "r-apply-dev", Result: "applied " + canary},
		{Actor: "main", Action: "apply", Repo: "acme/secret", Project: "vault", Result: "applied"},
	} {
		if err := w.db.RecordAudit(ctx, a); err != nil {
			w.t.Fatal(err)
		}
	}
	return applied, lock
}
