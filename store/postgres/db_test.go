package postgres_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/internal/pgtest"
	"github.com/plumbhq/plumb/store/postgres"
	"github.com/plumbhq/plumb/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

// open opens a store on url and closes it when t ends.
func open(t testing.TB, url string) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) plumb.Store { return open(t, pgtest.URL(t)) })
}

// Two handles on one database stand for two replicas: separate pools that
// meet only in the database.
func TestConcurrentAcquireTwoHandles(t *testing.T) {
	url := pgtest.URL(t)
	storetest.ConcurrentAcquire(t, open(t, url), open(t, url))
}

// Replicas starting together on a fresh database each open it: the
// migrations run once, none of the opens fails.
func TestConcurrentOpenMigratesOnce(t *testing.T) {
	url := pgtest.URL(t)
	const n = 6
	var wg sync.WaitGroup
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			db, err := postgres.Open(context.Background(), url)
			if err == nil {
				db.Close()
			}
			errs[i] = err
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("open %d: %v", i, err)
		}
	}
	db := open(t, url)
	files, _ := filepath.Glob("migrations/*.sql")
	var rows, distinct int
	if err := db.SQL().QueryRow(`SELECT COUNT(*), COUNT(DISTINCT version) FROM plumb_schema_migrations`).Scan(&rows, &distinct); err != nil ||
		rows != len(files) || distinct != len(files) || rows == 0 {
		t.Fatalf("schema_migrations rows = %d (%d distinct), err %v; want %d", rows, distinct, err, len(files))
	}
}

// Order is bytewise whatever the database's locale, as in SQLite: in an
// en-US collation "a" would sort before "B".
func TestOrderIgnoresLocale(t *testing.T) {
	url := pgtest.URL(t, "TEMPLATE template0", "LOCALE_PROVIDER icu", "ICU_LOCALE 'en-US'", "LOCALE 'C.UTF-8'")
	db := open(t, url)
	ctx := t.Context()
	at := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	for _, id := range []string{"a", "B", "_c"} {
		if _, err := db.AcquireLock(ctx, plumb.Lock{ID: id, Key: plumb.LockKey{Repo: "r", Dir: id}, Owner: "o", AcquiredAt: at}); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{"app", "Net", "db-1", "db_1"} {
		if err := db.SaveDriftState(ctx, plumb.DriftState{Repo: "r", Project: p, Status: plumb.DriftClean}); err != nil {
			t.Fatal(err)
		}
	}
	locks, err := db.Locks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, l := range locks {
		ids = append(ids, l.ID)
	}
	states, err := db.DriftStates(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	var projects []string
	for _, s := range states {
		projects = append(projects, s.Project)
	}
	if d := cmp.Diff([]string{"B", "_c", "a"}, ids); d != "" {
		t.Errorf("locks (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"Net", "app", "db-1", "db_1"}, projects); d != "" {
		t.Errorf("drift states (-want +got):\n%s", d)
	}
}

// PostgreSQL text holds neither NUL nor invalid UTF-8; an engine's output
// may carry both, and a log line must not fail its run.
func TestUnstorableTextIsReplaced(t *testing.T) {
	db := open(t, pgtest.URL(t))
	ctx := t.Context()
	r := &plumb.Run{ID: "r1", PlanText: "a\x00b \xff", Error: "bad \xc3(", Kind: plumb.RunPlan}
	if err := db.CreateRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := db.AppendRunLog(ctx, "r1", "nul\x00here", "ok", "\xfe"); err != nil {
		t.Fatal(err)
	}
	got, err := db.Run(ctx, "r1")
	if err != nil {
		t.Fatal(err)
	}
	lines, err := db.RunLog(ctx, "r1")
	if err != nil {
		t.Fatal(err)
	}
	if got.PlanText != "a\uFFFDb \uFFFD" || got.Error != "bad \uFFFD(" {
		t.Errorf("run text = %q, %q", got.PlanText, got.Error)
	}
	if d := cmp.Diff([]string{"nul\uFFFDhere", "ok", "\uFFFD"}, lines); d != "" {
		t.Errorf("log (-want +got):\n%s", d)
	}
}

func TestNowStampsRecords(t *testing.T) {
	db := open(t, pgtest.URL(t))
	fixed := time.Date(2030, 5, 6, 7, 8, 9, 0, time.FixedZone("x", 3600))
	db.Now = func() time.Time { return fixed }
	l, err := db.AcquireLock(t.Context(), plumb.Lock{Key: plumb.LockKey{Dir: "d"}, Owner: "cli"})
	if err != nil {
		t.Fatal(err)
	}
	if !l.AcquiredAt.Equal(fixed) || l.AcquiredAt.Location() != time.UTC {
		t.Fatalf("AcquiredAt = %v, want %v in UTC", l.AcquiredAt, fixed)
	}
	if !strings.HasPrefix(l.ID, postgres.NewID(fixed)[:12]) {
		t.Fatalf("ID %s does not start with the time of %v", l.ID, fixed)
	}
}

func TestOpenFailsClearly(t *testing.T) {
	url := pgtest.URL(t)
	bad := strings.Replace(url, "/plumb_test_", "/no_such_db_", 1)
	_, err := postgres.Open(t.Context(), bad)
	if err == nil || !strings.Contains(err.Error(), "no_such_db_") || strings.Contains(err.Error(), "password") {
		t.Fatalf("open of a missing database: %v", err)
	}
}

// TestLockAcrossProcesses runs this test binary again as a second process
// that takes the lock; this process must then see the conflict.
func TestLockAcrossProcesses(t *testing.T) {
	if url := os.Getenv("PLUMB_POSTGRES_HELPER_URL"); url != "" {
		db, err := postgres.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.AcquireLock(context.Background(), plumb.Lock{Key: plumb.LockKey{Repo: "r", Dir: "d"},
			Project: "app", Owner: "PR #12", Reason: "other process"}); err != nil {
			t.Fatal(err)
		}
		return
	}
	url := pgtest.URL(t)
	db := open(t, url)
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestLockAcrossProcesses$")
	cmd.Env = append(os.Environ(), "PLUMB_POSTGRES_HELPER_URL="+url)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("helper process: %v\n%s", err, out)
	}
	holder, err := db.AcquireLock(t.Context(), plumb.Lock{Key: plumb.LockKey{Repo: "r", Dir: "d"}, Owner: "main"})
	if plumb.ErrorCode(err) != plumb.ECONFLICT || holder.Owner != "PR #12" {
		t.Fatalf("got holder %+v, err %v; want a conflict with PR #12", holder, err)
	}
	t.Log(err)
}
