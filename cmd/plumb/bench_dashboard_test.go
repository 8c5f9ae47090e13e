package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/server/dashboard"
)

// seedScale fills w's store the way a large estate would: projects (one
// third each in dev, staging and prod, families of three) in acme/infra,
// runs of them (every project in turn, each round of them plans, then
// applies with 1,000 characters of plan text, a small plan, then drift
// checks, a minute apart; a project's plans are its pull request's) and
// one audit entry per run, written in two statements, then a drift state
// per project and a lock by its pull request on every tenth.
func seedScale(tb testing.TB, w *dashWorld, projects, runs int) {
	tb.Helper()
	ctx := tb.Context()
	const name = `printf('svc%04d-%s', (i % $1) / 3, CASE (i % $1) % 3 WHEN 0 THEN 'dev' WHEN 1 THEN 'staging' ELSE 'prod' END)`
	const at = `strftime('%Y-%m-%dT%H:%M:%S', 1700000000 + i * 60, 'unixepoch') || '.000000000Z'`
	for _, q := range []string{
		`INSERT INTO plumb_runs (id, repo, project, dir, workspace, kind, status, triggered_by, commit_sha, base_sha, engine,
			engine_version, summary_add, summary_change, summary_destroy, summary_replace, summary_import, changes_outside,
			resources, plan_text, plan_sha256, policy, replanned, error, blocked_by, created_at, started_at, finished_at)
		WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < $2)
		SELECT printf('run-%08d', i), 'acme/infra', ` + name + `, 'envs/' || ` + name + `, 'default',
			CASE (i / $1) % 3 WHEN 0 THEN 'plan' WHEN 1 THEN 'apply' ELSE 'drift' END,
			CASE (i / $1) % 3 WHEN 0 THEN 'changes' WHEN 1 THEN 'applied' ELSE 'no_changes' END,
			printf('PR #%d', i % $1 % 997), printf('%040x', i), '', 'tofu', '1.10.6', 1, 0, 0, 0, 0, 0, '[]',
			CASE (i / $1) % 3 WHEN 1 THEN printf('%.1000c', '~') ELSE '' END, '', NULL, '', '', '',
			` + at + `, ` + at + `, ` + at + ` FROM n`,
		`INSERT INTO plumb_audit (id, at, actor, action, repo, project, commit_sha, run_id, result)
		WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < $2)
		SELECT printf('audit-%08d', i), ` + at + `, printf('user%03d', i % 200),
			CASE i % 3 WHEN 0 THEN 'plan' WHEN 1 THEN 'apply' ELSE 'drift' END, 'acme/infra', ` + name + `,
			printf('%040x', i), printf('run-%08d', i), 'ok' FROM n`,
	} {
		if _, err := w.db.SQL().ExecContext(ctx, q, projects, runs); err != nil {
			tb.Fatalf("seed: %v", err)
		}
	}
	layout := plumb.RepoLayout{Repo: dashRepo, Environments: []string{"dev", "staging", "prod"}}
	for p := range projects {
		env := []string{"dev", "staging", "prod"}[p%3]
		name := fmt.Sprintf("svc%04d-%s", p/3, env)
		layout.Projects = append(layout.Projects, plumb.Project{Name: name, Dir: "envs/" + name, Workspace: "default", Environment: env})
		status := plumb.DriftClean
		if p%7 == 0 {
			status = plumb.DriftDrifted
		}
		if err := w.db.SaveDriftState(ctx, plumb.DriftState{Repo: dashRepo, Project: name, Dir: "envs/" + name, Workspace: "default",
			Status: status, CheckedAt: time.Now(), Findings: []plumb.DriftFinding{}}); err != nil {
			tb.Fatal(err)
		}
		if p%10 == 0 {
			if _, err := w.db.AcquireLock(ctx, plumb.Lock{Key: plumb.LockKey{Repo: dashRepo, Dir: "envs/" + name, Workspace: "default"},
				Project: name, Owner: fmt.Sprintf("PR #%d", p%997), Reason: "plan"}); err != nil {
				tb.Fatal(err)
			}
		}
	}
	w.layout = []plumb.RepoLayout{layout}
}

// TestSeedScale: the seed the benchmark uses makes what the estate and
// the audit page show (at a small size).
func TestSeedScale(t *testing.T) {
	t.Parallel()
	w := newDashWorld(t)
	seedScale(t, w, 30, 300)
	_, body := w.get(w.client(), "/api/v1/projects", "Authorization", "Bearer "+adminToken)
	var estate struct{ Projects []dashboard.Cell }
	if err := json.Unmarshal([]byte(body), &estate); err != nil {
		t.Fatal(err)
	}
	applied, locked, drifted := 0, 0, 0
	for _, c := range estate.Projects {
		if c.LastApply != nil {
			applied++
		}
		if c.Lock != nil && c.PendingPlan != nil {
			locked++
		}
		if c.Drift == plumb.DriftDrifted {
			drifted++
		}
	}
	if len(estate.Projects) != 30 || applied != 30 || locked != 3 || drifted != 5 {
		t.Errorf("estate: %d projects, %d applied, %d locked with a pending plan, %d drifted", len(estate.Projects), applied, locked, drifted)
	}
	if run, err := w.db.Run(t.Context(), "run-00000030"); err != nil || run.Kind != plumb.RunApply || len(run.PlanText) != 1000 {
		t.Errorf("seeded apply: %v, want 1,000 characters of plan text (err %v)", run, err)
	}
	_, body = w.get(w.client(), "/api/v1/audit?actor=user007&limit=50", "Authorization", "Bearer "+adminToken)
	var audit dashboard.AuditPage
	if err := json.Unmarshal([]byte(body), &audit); err != nil || len(audit.Entries) != 2 {
		t.Errorf("audit of user007: %d entries, %v", len(audit.Entries), err)
	}
	if code, page := w.get(w.client(), "/", "Authorization", "Bearer "+adminToken); code != 200 || strings.Count(page, "data-project=") != 30 {
		t.Errorf("estate page: %d, %d cells", code, strings.Count(page, "data-project="))
	}
}

// BenchmarkDashboardScale is the estate page and the audit and runs
// queries, server-side through HTTP, on a store of
// PLUMB_BENCH_PROJECTS projects (default 5,000) and PLUMB_BENCH_RUNS runs
// and audit entries (default 1,000,000). scripts/bench.sh runs it.
func BenchmarkDashboardScale(b *testing.B) {
	projects, runs := envInt(b, "PLUMB_BENCH_PROJECTS", 5000), envInt(b, "PLUMB_BENCH_RUNS", 1_000_000)
	w := newDashWorldOn(b, b.TempDir(), plumb.NewRedactor())
	start := time.Now()
	seedScale(b, w, projects, runs)
	b.Logf("seeded %d projects, %d runs and audit entries in %s", projects, runs, time.Since(start).Round(time.Millisecond))
	client := w.client()
	for _, c := range []struct{ name, path string }{
		{"estate", "/"},
		{"audit-page", "/api/v1/audit?limit=50"},
		{"audit-actor", "/api/v1/audit?actor=user042&limit=50"},
		{"audit-project-since", "/api/v1/audit?project=svc0042-prod&since=2026-01-01&limit=50"},
		{"runs-project", "/api/v1/runs?project=svc0042-prod&kind=apply&limit=50"},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if code, _ := w.get(client, c.path, "Authorization", "Bearer "+adminToken); code != http.StatusOK {
					b.Fatalf("GET %s: %d", c.path, code)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/op")
		})
	}
}

func envInt(tb testing.TB, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		tb.Fatalf("%s=%q: want a positive number", name, v)
	}
	return n
}
