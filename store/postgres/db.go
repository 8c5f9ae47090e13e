package postgres

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/plumbhq/plumb"
)

// Compile-time proof that DB is a plumb.Store.
var _ plumb.Store = (*DB)(nil)

// DefaultMaxConns bounds the pool when the URL sets no pool_max_conns:
// the queue's workers, its listener and the HTTP handlers share it.
const DefaultMaxConns = 16

// DB is a plumb.Store on one PostgreSQL database.
type DB struct {
	pool *pgxpool.Pool
	db   *sql.DB

	// Now returns the current time; tests replace it. It stamps records
	// that arrive without a time.
	Now func() time.Time
}

// Open connects to the database at url (postgres://…, or anything pgx
// parses) and brings its schema up to date.
func Open(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = DefaultMaxConns
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	db := &DB{pool: pool, db: stdlib.OpenDBFromPool(pool), Now: time.Now}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres %s: %w", Redact(url), err)
	}
	return db, nil
}

// Redact is url without its password, for messages and logs.
func Redact(url string) string {
	cfg, err := pgconn.ParseConfig(url)
	if err != nil {
		return "(unparsable database URL)"
	}
	return fmt.Sprintf("%s@%s:%d/%s", cfg.User, cfg.Host, cfg.Port, cfg.Database)
}

// Close closes the database.
func (db *DB) Close() error {
	err := db.db.Close()
	db.pool.Close()
	return err
}

// Ping reports whether the database answers; /readyz uses it.
func (db *DB) Ping(ctx context.Context) error { return db.pool.Ping(ctx) }

// SQL returns the database/sql handle on the pool.
func (db *DB) SQL() *sql.DB { return db.db }

// Pool returns the connection pool, for River's driver to share the
// database.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

func (db *DB) now() time.Time { return db.Now().UTC() }

// inTx runs fn in one transaction and commits it when fn succeeds.
func (db *DB) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// lockTx takes a transaction-scoped advisory lock named by parts: every
// process doing the same waits for tx to end.
func lockTx(ctx context.Context, tx *sql.Tx, parts ...string) error {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(h.Sum64()))
	return err
}

// timeLayout is RFC 3339 with a fixed nine-digit fraction: unlike
// time.RFC3339Nano it never trims zeros, so stored times sort as text.
const timeLayout = "2006-01-02T15:04:05.000000000Z07:00"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// nullTime stores the zero time as NULL.
func nullTime(t time.Time) sql.NullString {
	if t.IsZero() {
		return sql.NullString{}
	}
	return sql.NullString{String: formatTime(t), Valid: true}
}

func parseTime(s sql.NullString) (time.Time, error) {
	if !s.Valid || s.String == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s.String)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", s.String, err)
	}
	return t.UTC(), nil
}

// NewID returns a 32-hex-digit ID that sorts by creation time: 48 bits of
// Unix milliseconds, then 80 random bits (as store/sqlite's).
func NewID(now time.Time) string {
	var b [16]byte
	ms := uint64(now.UnixMilli())
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	rand.Read(b[6:])
	return hex.EncodeToString(b[:])
}

// SQLSTATE codes of the violations the store turns into plumb errors.
const (
	errUnique     = "23505"
	errForeignKey = "23503"
)

func isCode(err error, code string) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == code
}

// text makes s storable: PostgreSQL text holds neither NUL nor invalid
// UTF-8, both of which an engine's output may carry (SQLite keeps them).
func text(s string) string {
	if strings.IndexByte(s, 0) < 0 && utf8.ValidString(s) {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}
