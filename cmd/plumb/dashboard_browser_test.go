package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/engine"
	"github.com/plumbhq/plumb/internal/testenv"
	"github.com/plumbhq/plumb/planner"
	"github.com/plumbhq/plumb/runner"
)

// browser starts headless Chromium for t: Debian's chromium, or
// PLUMB_CHROMIUM. Without one the test skips, except under CI=true, where
// a missing browser fails it (make tools installs it).
func browser(t *testing.T) context.Context {
	t.Helper()
	path := os.Getenv("PLUMB_CHROMIUM")
	if path == "" {
		for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
			if p, err := exec.LookPath(name); err == nil {
				path = p
				break
			}
		}
	}
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("no chromium on PATH: the browser tests need it (make tools installs Debian's chromium)")
		}
		t.Skip("no chromium on PATH (make tools installs it); skipping the browser test")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.WindowSize(1400, 1000), chromedp.UserDataDir(t.TempDir()))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // start the browser, without a timeout
		t.Fatalf("start %s: %v", path, err)
	}
	return ctx
}

// screenshots is where the pages' screenshots go: $PLUMB_SCREENSHOTS
// (the README's docs/dashboard), else the test's artifact directory (kept
// with go test -artifacts).
func screenshots(t *testing.T) string {
	if dir := os.Getenv("PLUMB_SCREENSHOTS"); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	return t.ArtifactDir()
}

// page drives one browser tab with a deadline per step.
type page struct {
	t    *testing.T
	ctx  context.Context
	base string
	shot string
}

func (p *page) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		html, _ := chromedp.Run(p.ctx, chromedp.OuterHTML(chromedp.CSS("html")))
		p.t.Fatalf("%s: %v\npage:\n%s", what, err, html)
	}
}

func run[T any](p *page, what string, a chromedp.Action[T]) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
	return v
}

// poll waits until the JavaScript condition holds.
func (p *page) poll(what, cond string) {
	p.t.Helper()
	run(p, what, chromedp.Poll[bool](cond, chromedp.WithPollingInterval(50*time.Millisecond)))
}

// pollAcrossReload is poll while the page may reload under it (a poll
// is cut short by a navigation, so it is asked again).
func (p *page) pollAcrossReload(what, cond string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](cond)); err == nil && ok {
			return
		}
		select {
		case <-ctx.Done():
			p.t.Fatalf("%s: %v", what, ctx.Err())
		case <-tick.C:
		}
	}
}

func (p *page) location() string { return run(p, "location", chromedp.Location()) }

func (p *page) text(sel string) string {
	return run(p, "text of "+sel, chromedp.TextContent(chromedp.CSS(sel)))
}

func (p *page) screenshot(name string) {
	p.t.Helper()
	png := run(p, "screenshot "+name, chromedp.FullScreenshot(100))
	if err := os.WriteFile(filepath.Join(p.shot, name+".png"), png, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// login signs in through the GitHub test server's authorize form.
func (p *page) login(user string) {
	p.t.Helper()
	p.do("log in as "+user, chromedp.Click(chromedp.CSS("#login")), chromedp.WaitVisible(chromedp.CSS("#login_field")),
		chromedp.SetValue(chromedp.CSS("#login_field"), user), chromedp.Click(chromedp.CSS("#authorize")),
		chromedp.WaitVisible(chromedp.CSS("#viewer")))
	if got := p.text("#viewer"); got != user {
		p.t.Fatalf("logged in as %q, want %q", got, user)
	}
}

// appliedExamples is the examples monorepo (as acme/infra) applied by the
// real CLI with real tofu, app-dev's config file then deleted out of
// band and found by plumb drift, and the dashboard on its data dir. The
// dashboard's redactor does not know the canary given as the sensitive
// api_token: the store itself must not hold it.
func appliedExamples(t *testing.T) (*e2e, *dashWorld) {
	t.Helper()
	e := newE2E(t, testenv.Examples(t))
	e.repo.Git("remote", "add", "origin", "https://github.com/acme/infra.git")
	e.env = append(e.env, "TF_VAR_output_dir="+e.outDir, "TF_VAR_api_token="+canary)
	start := time.Now()
	if res := e.plumb("apply", "--auto-approve"); res.code != 0 {
		t.Fatalf("apply: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	files, _ := filepath.Glob(filepath.Join(e.outDir, "app-dev-*.json"))
	if len(files) == 0 {
		t.Fatalf("no managed file of app-dev in %s", e.outDir)
	}
	os.Remove(files[0]) // out of band
	if res := e.plumb("drift"); res.code != 2 {
		t.Fatalf("drift: exit %d, want 2\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	t.Logf("apply and drift of examples/ with real tofu: %s", time.Since(start).Round(time.Millisecond))
	w := newDashWorldOn(t, e.data, plumb.NewRedactor())
	idx, err := planner.Load(os.DirFS(e.repo.Dir))
	if err != nil {
		t.Fatal(err)
	}
	w.layout = []plumb.RepoLayout{{Repo: dashRepo, Environments: idx.Config.Environments, Projects: idx.Projects}}
	return e, w
}

// TestDashboardBrowser drives the dashboard in headless Chromium over the
// examples monorepo applied and swept by the real CLI with real tofu:
// no session redirects to the login, the login goes through the GitHub
// test server's OAuth flow, the estate shows the three environments and
// app-dev's drift after a file is deleted out of band, a running plan's
// log grows live, a lock released from the locks page shows in the audit
// page, a read-only user cannot release one, and the canary secret given
// as a sensitive variable appears on no page.
func TestDashboardBrowser(t *testing.T) {
	ctx := browser(t)
	_, w := appliedExamples(t)
	prodLock, err := w.db.AcquireLock(t.Context(), plumb.Lock{Key: plumb.LockKey{Repo: dashRepo, Dir: "envs/prod/app", Workspace: "default"},
		Project: "app-prod", Owner: "PR #12", Reason: "plan of PR #12"})
	if err != nil {
		t.Fatal(err)
	}
	stagingLock, err := w.db.AcquireLock(t.Context(), plumb.Lock{Key: plumb.LockKey{Repo: dashRepo, Dir: "envs/staging/network", Workspace: "default"},
		Project: "network-staging", Owner: "main", Reason: "apply interrupted; state may be partial"})
	if err != nil {
		t.Fatal(err)
	}

	p := &page{t: t, ctx: ctx, base: w.srv.URL, shot: screenshots(t)}
	p.do("open the estate", chromedp.Navigate(w.srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#login")))
	if loc := p.location(); loc != w.srv.URL+"/login?next=%2F" {
		t.Fatalf("without a session / goes to %s, want the login", loc)
	}
	p.screenshot("login")
	p.login("alice")
	p.do("estate", chromedp.WaitVisible(chromedp.CSS("#estate")))
	envs := run(p, "columns", chromedp.Evaluate[[]string](`[...document.querySelectorAll("#estate th.env")].map(e => e.textContent)`))
	if !slices.Equal(envs, []string{"dev", "staging", "prod"}) {
		t.Errorf("estate columns %q, want dev staging prod", envs)
	}
	cells := run(p, "cells", chromedp.Evaluate[map[string]string](
		`Object.fromEntries([...document.querySelectorAll("#estate td[data-project]")].map(c => [c.dataset.project, c.className]))`))
	for _, name := range []string{"network-dev", "app-dev", "network-staging", "app-staging", "network-prod", "app-prod"} {
		want := "cell drift-clean"
		if name == "app-dev" {
			want = "cell drift-drifted"
		}
		if cells[name] != want {
			t.Errorf("estate cell %s: class %q, want %q (cells %v)", name, cells[name], want, cells)
		}
	}
	if rows := run(p, "rows", chromedp.Evaluate[[]string](`[...document.querySelectorAll("#estate tbody th")].map(e => e.textContent)`)); !slices.Equal(rows, []string{"network", "app"}) {
		t.Errorf("estate rows %q, want the families network and app", rows)
	}
	if cell := p.text(`td[data-project="app-prod"]`); !strings.Contains(cell, "locked by PR #12") || !strings.Contains(cell, "applied") {
		t.Errorf("app-prod's cell: %q", cell)
	}
	p.screenshot("estate")
	p.do("filter drifted", chromedp.Navigate(w.srv.URL+"/?status=drifted"), chromedp.WaitVisible(chromedp.CSS("#estate")))
	if n := run(p, "filtered", chromedp.Evaluate[int](`document.querySelectorAll("#estate td[data-project]").length`)); n != 1 {
		t.Errorf("status=drifted shows %d projects, want app-dev alone", n)
	}

	p.do("project", chromedp.Navigate(w.srv.URL+"/projects/acme/infra/app-dev"), chromedp.WaitVisible(chromedp.CSS("#drift")))
	if d := p.text("#drift"); !strings.Contains(d, "drifted") {
		t.Errorf("app-dev's drift: %q", d)
	}
	p.screenshot("project")
	state, err := w.db.DriftState(t.Context(), dashRepo, "app-dev")
	if err != nil {
		t.Fatal(err)
	}
	p.do("drift run", chromedp.Navigate(w.srv.URL+"/runs/"+state.RunID), chromedp.WaitVisible(chromedp.CSS("#log")))
	p.screenshot("run")

	// A real run going: the runner, with real tofu, applies a project whose
	// provisioner takes a while, on the dashboard's store; the run page
	// shows its log as the runner stores it, then its end.
	live, applied := slowApply(t, w)
	p.do("running run", chromedp.Navigate(w.srv.URL+"/runs/"+live), chromedp.WaitVisible(chromedp.CSS("#live")))
	// While it runs: the page says so, and already shows the provisioner.
	p.poll("live provisioner output", `document.getElementById("log").textContent.includes("local-exec") &&
		document.getElementById("status").textContent == "running"`)
	// The page may say running until it reloads: the store says whether
	// the line came while the run went (live) or with its end.
	if run, err := w.db.Run(t.Context(), live); err != nil || run.Status != plumb.RunRunning {
		t.Errorf("the log showed the provisioner only once the run ended (%v, %v): it is not stored live", run.Status, err)
	}
	p.screenshot("run-live")
	if err := <-applied; err != nil {
		t.Fatalf("the slow apply: %v", err)
	}
	p.pollAcrossReload("run done", `document.getElementById("status") && document.getElementById("status").textContent == "applied"`)

	p.do("locks", chromedp.Navigate(w.srv.URL+"/locks"), chromedp.WaitVisible(chromedp.CSS("#locks")))
	p.screenshot("locks")
	p.do("release", chromedp.Click(chromedp.CSS(`tr[data-project="app-prod"] a.button`)), chromedp.WaitVisible(chromedp.CSS("#confirm-release")))
	p.screenshot("release")
	p.do("confirm", chromedp.Click(chromedp.CSS("#confirm-release")), chromedp.WaitVisible(chromedp.CSS("#released")))
	if got := p.text("#released"); !strings.Contains(got, prodLock.ID) {
		t.Errorf("released: %q", got)
	}
	p.do("audit", chromedp.Navigate(w.srv.URL+"/audit?kind=unlock"), chromedp.WaitVisible(chromedp.CSS("#audit")))
	if a := p.text("#audit tbody"); !strings.Contains(a, "alice") || !strings.Contains(a, "app-prod") || !strings.Contains(a, "PR #12") {
		t.Errorf("the audit page does not show alice's release: %q", a)
	}
	p.do("full audit", chromedp.Navigate(w.srv.URL+"/audit"), chromedp.WaitVisible(chromedp.CSS("#audit")))
	p.screenshot("audit")

	p.do("log out", chromedp.Click(chromedp.CSS(".who button")), chromedp.WaitVisible(chromedp.CSS("#login")))
	p.do("bob to the locks", chromedp.Navigate(w.srv.URL+"/locks"), chromedp.WaitVisible(chromedp.CSS("#login")))
	p.login("bob")
	p.do("bob's locks", chromedp.WaitVisible(chromedp.CSS("#locks")))
	if row := p.text(`tr[data-project="network-staging"]`); !strings.Contains(row, "needs write permission") {
		t.Errorf("bob's lock row offers a release: %q", row)
	}
	p.do("bob's release page", chromedp.Navigate(w.srv.URL+"/locks/"+stagingLock.ID+"/release"), chromedp.WaitVisible(chromedp.CSS("#no-write")))
	p.screenshot("release-readonly")
	if locks, _ := w.db.Locks(t.Context()); len(locks) != 1 || locks[0].ID != stagingLock.ID {
		t.Errorf("locks after bob: %+v", locks)
	}

	for _, path := range []string{"/", "/projects/acme/infra/app-dev", "/runs/" + state.RunID, "/audit", "/api/v1/runs?limit=500",
		"/api/v1/projects", "/audit.csv"} {
		_, body := w.get(w.client(), path, "Authorization", "Bearer "+adminToken)
		if strings.Contains(body, canary) {
			t.Errorf("%s shows the canary secret", path)
		}
	}
	html := run(p, "page", chromedp.OuterHTML(chromedp.CSS("html")))
	if strings.Contains(html, canary) {
		t.Error("a page shows the canary secret")
	}
}

// slowApply starts a real apply (fixtures/slow: a provisioner sleeping 8 s)
// by a runner on w's store and returns its run ID once it runs, and a
// channel that says how the apply ended.
func slowApply(t *testing.T, w *dashWorld) (string, <-chan error) {
	t.Helper()
	repo := testenv.NewRepo(t, "fixtures/slow")
	r, err := runner.New(runner.Config{DataDir: t.TempDir(), Store: w.db,
		Engines: engine.Find(t.Context(), engine.Search{Dirs: []string{testenv.Load(t).BinDir}}),
		Env:     append(testenv.Env(t), "TF_VAR_seconds=8")})
	if err != nil {
		t.Fatal(err)
	}
	target := runner.Target{Repo: dashRepo, Commit: repo.Head(), Tree: os.DirFS(repo.Dir),
		Project: plumb.Project{Name: "slow-staging", Dir: "."}, Trigger: "PR #13"}
	applied := make(chan error, 1)
	go func() {
		run, err := r.Apply(context.WithoutCancel(t.Context()), target, nil, nil)
		if err == nil && run.Status != plumb.RunApplied {
			err = fmt.Errorf("%s: %s", run.Status, run.Error)
		}
		applied <- err
	}()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		runs, err := w.db.Runs(t.Context(), plumb.RunFilter{Project: "slow-staging", Kind: plumb.RunApply})
		if err == nil && len(runs) > 0 && runs[0].Status == plumb.RunRunning {
			return runs[0].ID, applied
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("the slow apply never ran")
	return "", nil
}
