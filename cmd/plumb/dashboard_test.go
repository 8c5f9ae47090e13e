package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/server/dashboard"
)

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
