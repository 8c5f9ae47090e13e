package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/internal/pgtest"
	"github.com/plumbhq/plumb/store/postgres"
)

// plumb migrate applies the store's and the queue's migrations to the
// PostgreSQL of --database-url, once however often it runs, and the CLI
// verbs read that database with the same flag (or PLUMB_DATABASE_URL).
func TestMigrateAndLocksOnPostgres(t *testing.T) {
	url := pgtest.URL(t)
	data := t.TempDir()
	env := map[string]string{"PLUMB_DATA_DIR": data}
	for range 2 {
		code, out, errOut := runMain(t, env, "migrate", "--database-url", url)
		if code != 0 || out != "store and queue migrated\n" {
			t.Fatalf("plumb migrate: exit %d, stdout %q, stderr %q", code, out, errOut)
		}
	}
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for table, min := range map[string]int{"plumb_schema_migrations": 1, "plumb_queue_migrations": 1, "river_migration": 1} {
		var rows, distinct int
		if err := db.SQL().QueryRow(`SELECT COUNT(*), COUNT(DISTINCT version) FROM `+table).Scan(&rows, &distinct); err != nil ||
			rows < min || rows != distinct {
			t.Errorf("%s: %d rows (%d distinct), err %v: want each migration recorded once", table, rows, distinct, err)
		}
	}
	if _, err := os.Stat(filepath.Join(data, "plumb.db")); err == nil {
		t.Error("migrate with --database-url made a SQLite file in the data dir")
	}

	// A replica's lock, read by plumb locks on another machine.
	held, err := db.AcquireLock(t.Context(), plumb.Lock{Key: plumb.LockKey{Repo: "acme/infra", Dir: "envs/dev/app", Workspace: "default"},
		Project: "app-dev", Owner: "PR #12", Reason: "apply 0123abcd"})
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runMain(t, map[string]string{"PLUMB_DATABASE_URL": url}, "locks", "--json")
	var list struct {
		FormatVersion string           `json:"format_version"`
		Locks         []map[string]any `json:"locks"`
	}
	if err := json.Unmarshal([]byte(out), &list); code != 0 || err != nil {
		t.Fatalf("plumb locks --json: exit %d, %v: %s %s", code, err, out, errOut)
	}
	if list.FormatVersion != "1" || len(list.Locks) != 1 || list.Locks[0]["id"] != held.ID || list.Locks[0]["owner"] != "PR #12" {
		t.Fatalf("plumb locks --json = %s", out)
	}
}

// A database plumb cannot reach fails migrate with exit 1, naming what
// failed and never the password.
func TestMigrateFailsClearly(t *testing.T) {
	code, out, errOut := runMain(t, map[string]string{"PLUMB_DATA_DIR": t.TempDir()}, "migrate",
		"--database-url", "postgres://plumb:s3cret-pw@127.0.0.1:1/plumb?sslmode=disable&connect_timeout=5")
	if code != 1 || out != "" || !strings.Contains(errOut, "plumb: migrate: store: postgres") || strings.Contains(errOut, "s3cret-pw") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	t.Log(errOut)
}

// Two plumb serve on one PostgreSQL (each with its own data dir) are
// equal members: both ready, a delivery stored by one is a duplicate at
// the other, and it is handled once.
func TestServeReplicasOnPostgres(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	env := append(os.Environ(), "PLUMB_DATABASE_URL="+url)
	replicas := []*served{startServe(t, t.TempDir(), env), startServe(t, t.TempDir(), env)}
	for i, s := range replicas {
		if code, body := getBody(t, s.url("/readyz")); code != 200 {
			t.Errorf("replica %d /readyz: %d %s", i, code, body)
		}
	}
	if code, body := replicas[0].deliver("pull_request", "pg-1", prDelivery("acme/infra")); code != 202 {
		t.Fatalf("delivery: %d %s", code, body)
	}
	if code, body := replicas[1].deliver("pull_request", "pg-1", prDelivery("acme/infra")); code != 200 {
		t.Errorf("the same delivery at the other replica: %d %s, want 200 (duplicate)", code, body)
	}
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Without GitHub credentials the event ends failed with the reason,
	// after one attempt: one replica took it.
	var status, msg string
	var attempts int
	for deadline := time.Now().Add(20 * time.Second); status != "failed"; time.Sleep(50 * time.Millisecond) {
		if err := db.SQL().QueryRow(`SELECT status, attempts, error FROM plumb_events WHERE delivery = 'pg-1'`).Scan(&status, &attempts, &msg); err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("pg-1: status %q after 20s", status)
		}
	}
	if attempts != 1 || msg == "" {
		t.Errorf("pg-1: failed after %d attempts (%q)", attempts, msg)
	}
	for i, s := range replicas {
		if took, err := s.stop(syscall.SIGTERM); err != nil || took > 30*time.Second {
			t.Errorf("replica %d SIGTERM: exit %v after %s", i, err, took)
		}
	}
}
