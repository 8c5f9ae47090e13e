package pgtest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plumbhq/plumb/internal/pgcluster"
)

var (
	once    sync.Once
	cluster *pgcluster.Cluster
	errOf   error // why the cluster could not start
	missing string
	dbSeq   atomic.Int64
)

// URL returns the postgres:// URL of a new, empty database of its own for
// t, starting the cluster on first use. Options are CREATE DATABASE
// clauses (e.g. "TEMPLATE template0", "LOCALE_PROVIDER icu",
// "ICU_LOCALE 'en-US'"). It skips t when PostgreSQL is not installed
// (fails it with CI=true) and fails it when the cluster cannot start.
func URL(t testing.TB, options ...string) string {
	t.Helper()
	once.Do(start)
	if missing != "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("pgtest: %s; CI must run the PostgreSQL tests: run `make tools` (installs Debian's postgresql)", missing)
		}
		t.Skipf("pgtest: %s; run `make tools` (installs Debian's postgresql) to run this test", missing)
	}
	if errOf != nil {
		t.Fatalf("pgtest: %v", errOf)
	}
	name := fmt.Sprintf("plumb_test_%d", dbSeq.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := cluster.Exec(ctx, strings.Join(append([]string{`CREATE DATABASE`, name}, options...), " ")); err != nil {
		t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	return cluster.URL(name)
}

// Run runs the tests, then stops the cluster (if one was started) and
// removes its files. It returns m.Run's exit code.
func Run(m *testing.M) int {
	code := m.Run()
	Stop()
	return code
}

// Stop stops the cluster and removes its files; URL must not be called
// after it.
func Stop() {
	if cluster != nil {
		cluster.Stop()
	}
}

// prefix names the test clusters' temp dirs.
const prefix = "plumb-pg-"

func start() {
	bin := pgcluster.FindBin()
	if bin == "" {
		missing = "no PostgreSQL server binaries (initdb, postgres) in " + pgcluster.BinGlob
		return
	}
	pgcluster.RemoveStale(prefix)
	cluster, errOf = pgcluster.Start(bin, pgcluster.Options{Prefix: prefix, Fast: true,
		Settings: []string{"max_connections=300", "shared_buffers=32MB"}})
}
