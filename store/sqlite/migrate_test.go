package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/internal/sqlmigrate"
	"github.com/plumbhq/plumb/internal/sqlstore"
)

// A database made before 0004_drift, with a run in it, opens: the run
// reads back without a drift result and the drift tables work. (Later
// migrations apply on top.)
func TestDriftMigrationOnExistingDatabase(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "plumb.db")
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	old := fstest.MapFS{}
	names, _ := fs.Glob(migrations, "migrations/*.sql")
	for _, name := range names {
		if name < "migrations/0004_drift.sql" {
			body, _ := fs.ReadFile(migrations, name)
			old[name] = &fstest.MapFile{Data: body}
		}
	}
	if i := slices.Index(names, "migrations/0004_drift.sql"); i < 0 || len(old) != i {
		t.Fatalf("kept %d of %d migrations; want those before 0004_drift", len(old), len(names))
	}
	tx, err := raw.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := sqlmigrate.Apply(ctx, tx, "plumb_schema_migrations", old, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	// The run as the old code stored it: every column but drift.
	want := &plumb.Run{ID: "old", Repo: "acme/infra", Project: "app", Kind: plumb.RunPlan,
		Status: plumb.RunChanges, Resources: []plumb.ResourceChange{}, CreatedAt: time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC)}
	args, err := sqlstore.RunArgs(dialect{}, want)
	if err != nil {
		t.Fatal(err)
	}
	args = args[:30] // runColumns but drift: no lease yet either
	marks := make([]string, len(args))
	for i := range marks {
		marks[i] = fmt.Sprintf("$%d", i+1)
	}
	if _, err := raw.ExecContext(ctx, `INSERT INTO plumb_runs (`+strings.TrimSuffix(sqlstore.RunColumns, ", drift")+`)
		VALUES (`+strings.Join(marks, ", ")+`)`, args...); err != nil {
		t.Fatal(err)
	}
	raw.Close()

	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, err := db.Run(ctx, "old")
	if err != nil {
		t.Fatal(err)
	}
	if got.Drift != nil || got.Status != want.Status || !got.CreatedAt.Equal(want.CreatedAt) {
		t.Fatalf("old run read back as %+v", got)
	}
	if runs, err := db.Runs(ctx, plumb.RunFilter{Status: plumb.RunChanges}); err != nil || len(runs) != 1 {
		t.Fatalf("Runs by status: %v, %v", runs, err)
	}
	if err := db.SaveDriftState(ctx, plumb.DriftState{Repo: "acme/infra", Project: "app"}); err != nil {
		t.Fatal(err)
	}
	if acks, err := db.DriftAcks(ctx); err != nil || len(acks) != 0 {
		t.Fatalf("DriftAcks: %v, %v", acks, err)
	}
}

// Processes that open one fresh file at once (two `plumb apply` started
// together) must all get a store: SQLite fails all but one of them at once
// with SQLITE_BUSY when they race to turn on WAL, and Open retries.
func TestConcurrentOpenOfFreshFile(t *testing.T) {
	t.Parallel()
	for round := range 60 {
		path := filepath.Join(t.TempDir(), "plumb.db")
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Go(func() {
				db, err := Open(context.Background(), path)
				if err == nil {
					err = db.Close()
				}
				errs[i] = err
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
	}
}
