package main

import (
	"context"
	"encoding/json"
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

// TestDashboardAccess: only the open routes answer without a login; a
// page redirects to the login, the API (and /metrics with --metrics-auth)
// says 401; the admin token and an OAuth session get in.
func TestDashboardAccess(t *testing.T) {
	t.Parallel()
	w := newDashWorld(t)
	anon := w.client()
	for _, path := range []string{"/", "/locks", "/audit", "/runs/x", "/drift", "/projects/acme/infra/app-dev", "/audit.csv"} {
		if loc := w.follow(anon, w.srv.URL+path, http.StatusSeeOther); loc != "/login?next="+url.QueryEscape(path) {
			t.Errorf("GET %s without a session: Location %q", path, loc)
		}
	}
	for _, path := range []string{"/api/v1/runs", "/api/v1/locks", "/api/v1/nope", "/metrics"} {
		if code, body := w.get(anon, path); code != http.StatusUnauthorized {
			t.Errorf("GET %s without a session: %d %s", path, code, body)
		}
	}
	if code, _ := w.get(anon, "/api/v1/runs", "Authorization", "Bearer wrong"); code != http.StatusUnauthorized {
		t.Errorf("a wrong admin token: %d", code)
	}
	for _, path := range []string{"/healthz", "/login", "/static/style.css"} {
		if code, _ := w.get(anon, path); code != http.StatusOK {
			t.Errorf("GET %s: %d, want 200 without a login", path, code)
		}
	}
	if code, body := w.get(anon, "/api/v1/runs", "Authorization", "Bearer "+adminToken); code != 200 || !strings.Contains(body, `"format_version": "1"`) {
		t.Errorf("admin token: %d %s", code, body)
	}
	if code, _ := w.get(anon, "/metrics", "Authorization", "Bearer "+adminToken); code != 200 {
		t.Errorf("/metrics with the admin token: %d", code)
	}
	alice := w.login("alice")
	if code, body := w.get(alice, "/"); code != 200 || !strings.Contains(body, `id="viewer">alice<`) {
		t.Errorf("estate as alice: %d", code)
	}
	if got := w.gh.OAuthLogins(); len(got) != 1 || got[0] != "alice" {
		t.Errorf("OAuth logins %v", got)
	}
	// A forged state, or a callback without the browser's state cookie, is refused.
	if code, _ := w.get(w.client(), "/auth/github/callback?code=x&state=y"); code != http.StatusUnauthorized {
		t.Errorf("callback without state: %d", code)
	}
	// A session cookie is HttpOnly and SameSite.
	resp, _ := alice.Get(w.srv.URL + "/")
	resp.Body.Close()
	u, _ := url.Parse(w.srv.URL)
	if cs := alice.Jar.Cookies(u); len(cs) == 0 {
		t.Error("no session cookie")
	}
}

// TestDashboardEstate: the matrix's JSON: environments in promotion
// order, each project's last apply, drift and lock, the pending plan of
// the pull request holding a lock; the filters narrow it.
func TestDashboardEstate(t *testing.T) {
	t.Parallel()
	w := newDashWorld(t)
	w.seed(false)
	estate := func(query string) (envs []string, cells map[string]dashboard.Cell) {
		_, body := w.get(w.client(), "/api/v1/projects"+query, "Authorization", "Bearer "+adminToken)
		var out struct {
			Environments []string         `json:"environments"`
			Projects     []dashboard.Cell `json:"projects"`
		}
		if err := json.Unmarshal([]byte(body), &out); err != nil {
			t.Fatalf("%s: %v\n%s", query, err, body)
		}
		cells = map[string]dashboard.Cell{}
		for _, c := range out.Projects {
			cells[c.Project] = c
		}
		return out.Environments, cells
	}
	envs, cells := estate("")
	if strings.Join(envs, ",") != "dev,staging,prod" || len(cells) != 6 {
		t.Fatalf("environments %v, %d projects", envs, len(cells))
	}
	dev, prod := cells["app-dev"], cells["app-prod"]
	if dev.Family != "app" || dev.Drift != plumb.DriftDrifted || dev.LastApply == nil || dev.LastApply.ID != "r-apply-dev" ||
		dev.LastApply.Trigger != "PR #3" || dev.Lock != nil || dev.PendingPlan != nil {
		t.Errorf("app-dev: %+v", dev)
	}
	if prod.Lock == nil || prod.Lock.Owner != "PR #12" || prod.PendingPlan == nil || prod.PendingPlan.ID != "r-plan-prod" ||
		prod.PendingPlan.Summary.Add != 2 || prod.LastApply != nil || prod.Drift != "" {
		t.Errorf("app-prod: %+v", prod)
	}
	if envs, cells := estate("?env=prod"); strings.Join(envs, ",") != "prod" || len(cells) != 2 {
		t.Errorf("env=prod: %v %v", envs, cells)
	}
	for status, want := range map[string]string{"locked": "app-prod", "pending_plan": "app-prod", "drifted": "app-dev"} {
		if _, cells := estate("?status=" + status); len(cells) != 1 || cells[want].Project != want {
			t.Errorf("status=%s: %v", status, cells)
		}
	}
	if _, page := w.get(w.login("alice"), "/runs/r-plan-prod"); !strings.Contains(page, w.gh.WebURL()+"/acme/infra/pull/12") {
		t.Errorf("the run page does not link the PR on this GitHub")
	}
}

// TestDashboardVisibility: a user sees the repositories GitHub lets them
// read, nothing else, on every page and API answer; the admin all.
func TestDashboardVisibility(t *testing.T) {
	t.Parallel()
	w := newDashWorld(t)
	w.layout = append(w.layout, plumb.RepoLayout{Repo: "acme/secret", Projects: []plumb.Project{{Name: "vault", Dir: "vault"}}})
	w.seed(false)
	bob, carol := w.login("bob"), w.login("carol")
	for _, path := range []string{"/api/v1/runs", "/api/v1/locks", "/api/v1/audit", "/api/v1/projects", "/", "/locks", "/audit", "/audit.csv"} {
		_, body := w.get(bob, path)
		if strings.Contains(body, "acme/secret") || strings.Contains(body, "vault") {
			t.Errorf("bob sees acme/secret in %s", path)
		}
		if !strings.Contains(body, "app-") {
			t.Errorf("bob does not see acme/infra in %s:\n%s", path, body)
		}
		_, body = w.get(carol, path)
		if strings.Contains(body, "acme/") || strings.Contains(body, "app-dev") {
			t.Errorf("carol (no access) sees something in %s", path)
		}
		_, body = w.get(w.client(), path, "Authorization", "Bearer "+adminToken)
		if !strings.Contains(body, "vault") {
			t.Errorf("the admin does not see acme/secret in %s", path)
		}
	}
	if code, _ := w.get(bob, "/runs/r-other"); code != http.StatusNotFound {
		t.Errorf("bob opens a run of acme/secret: %d, want 404", code)
	}
	if code, _ := w.get(bob, "/api/v1/runs/r-other"); code != http.StatusNotFound {
		t.Errorf("bob reads a run of acme/secret: %d, want 404", code)
	}
}

// TestDashboardCanary: a secret that reached the store anyway (plan text,
// log, error, audit result) appears on no page, API answer or export.
func TestDashboardCanary(t *testing.T) {
	t.Parallel()
	w := newDashWorld(t)
	w.seed(true)
	alice := w.login("alice")
	for _, path := range []string{"/", "/runs/r-apply-dev", "/runs/r-drift-dev", "/projects/acme/infra/app-dev", "/drift", "/locks",
		"/audit", "/audit.csv", "/audit.json", "/api/v1/runs", "/api/v1/runs/r-apply-dev", "/api/v1/runs/r-drift-dev",
		"/api/v1/projects", "/api/v1/audit", "/api/v1/drift", "/api/v1/locks", "/runs/r-apply-dev/log"} {
		code, body := w.get(alice, path)
		if code != 200 {
			t.Errorf("GET %s: %d", path, code)
		}
		if strings.Contains(body, canary) {
			t.Errorf("GET %s shows the canary secret", path)
		}
		if path == "/runs/r-apply-dev" && !strings.Contains(body, plumb.Redacted) {
			t.Errorf("the run page does not show where the secret was: %s", body)
		}
	}
}

// TestDashboardBadInput: user mistakes are 400 with a message, unknown
// things 404, never a 500.
func TestDashboardBadInput(t *testing.T) {
	t.Parallel()
	w := newDashWorld(t)
	w.seed(false)
	alice := w.login("alice")
	for path, want := range map[string]int{
		"/api/v1/runs?kind=destroy":           400,
		"/api/v1/runs?status=nope":            400,
		"/api/v1/runs?since=yesterday":        400,
		"/api/v1/runs?limit=100000":           400,
		"/api/v1/runs?cursor=%00%ff":          400,
		"/api/v1/audit?since=x":               400,
		"/api/v1/projects?status=weird":       400,
		"/api/v1/projects?env=qa":             400,
		"/api/v1/runs/nope":                   404,
		"/runs/nope":                          404,
		"/runs/nope/log":                      404,
		"/runs/r-apply-dev/log?from=x":        400,
		"/locks/nope/release":                 404,
		"/audit?limit=-3":                     400,
		"/?status=%3Cscript%3E":               400,
		"/projects/acme/infra/app-dev?kind=x": 400,
	} {
		code, body := w.get(alice, path)
		if code != want {
			t.Errorf("GET %s: %d, want %d\n%s", path, code, want, body)
		}
		if strings.HasPrefix(path, "/api/") && !strings.Contains(body, `"error"`) {
			t.Errorf("GET %s: no error message: %s", path, body)
		}
		if strings.Contains(body, "<script>") {
			t.Errorf("GET %s echoes markup", path)
		}
	}
}
