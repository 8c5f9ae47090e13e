package queue_test

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/plumbhq/plumb/internal/pgtest"
	"github.com/plumbhq/plumb/queue"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m)) }

// dbs are the databases the queue runs on. Every test of its behaviour
// runs on each (eachDB): together they are the queue's conformance suite.
var dbs = []string{"sqlite", "postgres"}

// eachDB runs test as a parallel subtest per database.
func eachDB(t *testing.T, test func(t *testing.T, d string)) {
	t.Helper()
	for _, d := range dbs {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			test(t, d)
		})
	}
}

// newDB makes a fresh database of kind d: a SQLite file's path, or a
// database of the test PostgreSQL's URL.
func newDB(t testing.TB, d string) string {
	t.Helper()
	if d == "postgres" {
		return pgtest.URL(t)
	}
	return filepath.Join(t.TempDir(), "plumb.db")
}

// openDB opens the database of kind d at loc the way its store does for
// the queue to share, sets it in cfg and returns a *sql.DB on it for the
// tests' own queries.
//
// SQLite: a 10s busy_timeout (the store's BusyTimeout), WAL, immediate
// write transactions and synchronous(FULL), so concurrent Accepts never
// deadlock and each commit is the fsync it is in production. foreign_keys
// is left out: neither plumb_events nor the River tables the queue writes
// have any. PostgreSQL: a pgx pool, as store/postgres opens.
func openDB(t testing.TB, d, loc string, cfg *queue.Config) *sql.DB {
	t.Helper()
	if d == "postgres" {
		pool, err := pgxpool.New(context.Background(), loc)
		if err != nil {
			t.Fatal(err)
		}
		db := stdlib.OpenDBFromPool(pool)
		t.Cleanup(func() { db.Close(); pool.Close() })
		cfg.Pool = pool
		return db
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", (&url.URL{Scheme: "file", OmitHost: true, Path: loc, RawQuery: q.Encode()}).String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cfg.DB = db
	return db
}
