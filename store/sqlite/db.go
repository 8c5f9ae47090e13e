package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/internal/sqlstore"
)

// Compile-time proof that DB is a plumb.Store.
var _ plumb.Store = (*DB)(nil)

// BusyTimeout is how long a statement waits for another connection or
// process to release the write lock before failing.
const BusyTimeout = 10 * time.Second

// DB is a plumb.Store on one SQLite file. The embedded sqlstore.DB holds
// the SQL both stores share, and Now, the clock tests replace.
type DB struct {
	*sqlstore.DB
	path string
}

// Open opens (creating if needed, and its directory 0700) the database
// file at path and brings its schema up to date.
func Open(ctx context.Context, path string) (*DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// Create the file 0600 ourselves: SQLite would use 0644 (less umask),
	// and its -wal and -shm files copy the database file's mode.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	f.Close()
	// _txlock=immediate: every write transaction takes the write lock at
	// BEGIN, so two writers never deadlock upgrading read locks (which
	// busy_timeout cannot resolve) and read-then-write is atomic.
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", BusyTimeout.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Set("_txlock", "immediate")
	dsn := (&url.URL{Scheme: "file", OmitHost: true, Path: path, RawQuery: q.Encode()}).String()
	sdb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db := &DB{DB: sqlstore.New(sdb, dialect{}), path: path}
	if err := db.migrateRetrying(ctx); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return db, nil
}

// migrateRetrying migrates, retrying while another process holds the file.
// Two processes opening a fresh file at once both read it, then both ask
// to turn on WAL (which needs the exclusive lock): SQLite fails one at once
// with SQLITE_BUSY rather than call the busy handler, since waiting could
// deadlock. Retrying after the other finished resolves it; the deadline
// keeps a truly stuck file an error.
func (db *DB) migrateRetrying(ctx context.Context) error {
	deadline := time.Now().Add(BusyTimeout)
	for wait := 5 * time.Millisecond; ; wait = min(2*wait, 200*time.Millisecond) {
		err := db.migrate(ctx)
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
	}
}

// Close closes the database.
func (db *DB) Close() error { return db.SQL().Close() }

// Ping reports whether the database answers; /readyz uses it.
func (db *DB) Ping(ctx context.Context) error { return db.SQL().PingContext(ctx) }

// SQL returns the underlying handle, for River's driver to share the file.
func (db *DB) SQL() *sql.DB { return db.DB.SQL() }

// NewID returns a 32-hex-digit ID that sorts by creation time: 48 bits of
// Unix milliseconds, then 80 random bits.
func NewID(now time.Time) string { return sqlstore.NewID(now) }

// isConstraint reports a UNIQUE, PRIMARY KEY or FOREIGN KEY violation.
func isConstraint(err error, code int) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code() == code
}

// isBusy reports that another connection held a lock SQLite would not wait for.
func isBusy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}

const (
	errUnique     = sqlite3.SQLITE_CONSTRAINT_UNIQUE
	errPrimaryKey = sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	errForeignKey = sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
)
