package sqlite_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/store/sqlite"
	"github.com/plumbhq/plumb/store/storetest"
)

// openFile opens a store on path and closes it when t ends.
func openFile(t testing.TB, path string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) plumb.Store {
		return openFile(t, filepath.Join(t.TempDir(), "plumb.db"))
	})
}

// Two handles on one file stand for two processes: separate connection
// pools that meet only in SQLite's file locks.
func TestConcurrentAcquireTwoHandles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plumb.db")
	storetest.ConcurrentAcquire(t, openFile(t, path), openFile(t, path))
}

func TestOpenIsIdempotentAndSetsPragmas(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dir with space", "plumb.db")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	db := openFile(t, path)
	if _, err := db.AcquireLock(t.Context(), plumb.Lock{Key: plumb.LockKey{Dir: "d"}, Owner: "cli"}); err != nil {
		t.Fatal(err)
	}
	again := openFile(t, path)
	locks, err := again.Locks(t.Context())
	if err != nil || len(locks) != 1 {
		t.Fatalf("reopened store: locks %v, err %v", locks, err)
	}
	// Each migration is recorded once, however often the store is opened.
	files, _ := filepath.Glob("migrations/*.sql")
	var n int
	if err := again.SQL().QueryRow(`SELECT COUNT(*) FROM plumb_schema_migrations`).Scan(&n); err != nil || n != len(files) || n == 0 {
		t.Fatalf("schema_migrations rows = %d, err %v; want %d", n, err, len(files))
	}
	for pragma, want := range map[string]string{"journal_mode": "wal", "foreign_keys": "1", "busy_timeout": "10000"} {
		var got string
		if err := again.SQL().QueryRow("PRAGMA " + pragma).Scan(&got); err != nil || got != want {
			t.Errorf("PRAGMA %s = %q, err %v; want %q", pragma, got, err, want)
		}
	}
	for _, f := range []string{path, path + "-wal"} {
		if fi, err := os.Stat(f); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v, %v; want mode 0600: records may hold plan text", f, fi, err)
		}
	}
}

func TestNowStampsRecords(t *testing.T) {
	db := openFile(t, filepath.Join(t.TempDir(), "plumb.db"))
	fixed := time.Date(2030, 5, 6, 7, 8, 9, 0, time.FixedZone("x", 3600))
	db.Now = func() time.Time { return fixed }
	l, err := db.AcquireLock(t.Context(), plumb.Lock{Key: plumb.LockKey{Dir: "d"}, Owner: "cli"})
	if err != nil {
		t.Fatal(err)
	}
	if !l.AcquiredAt.Equal(fixed) || l.AcquiredAt.Location() != time.UTC {
		t.Fatalf("AcquiredAt = %v, want %v in UTC", l.AcquiredAt, fixed)
	}
	if !strings.HasPrefix(l.ID, sqlite.NewID(fixed)[:12]) {
		t.Fatalf("ID %s does not start with the time of %v", l.ID, fixed)
	}
}

func TestNewIDSortsByTime(t *testing.T) {
	prev := ""
	for i := range 100 {
		id := sqlite.NewID(time.UnixMilli(int64(1_700_000_000_000 + i)))
		if len(id) != 32 || id <= prev {
			t.Fatalf("id %d = %q after %q", i, id, prev)
		}
		prev = id
	}
}

// TestLockAcrossProcesses runs this test binary again as a second process
// that takes the lock; this process must then see the conflict.
func TestLockAcrossProcesses(t *testing.T) {
	if path := os.Getenv("PLUMB_SQLITE_HELPER_DB"); path != "" {
		db, err := sqlite.Open(context.Background(), path)
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
	path := filepath.Join(t.TempDir(), "plumb.db")
	db := openFile(t, path) // open first so both processes share a live WAL
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestLockAcrossProcesses$")
	cmd.Env = append(os.Environ(), "PLUMB_SQLITE_HELPER_DB="+path)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("helper process: %v\n%s", err, out)
	}
	holder, err := db.AcquireLock(t.Context(), plumb.Lock{Key: plumb.LockKey{Repo: "r", Dir: "d"}, Owner: "main"})
	if plumb.ErrorCode(err) != plumb.ECONFLICT || holder.Owner != "PR #12" {
		t.Fatalf("got holder %+v, err %v; want a conflict with PR #12", holder, err)
	}
	t.Log(err)
}
