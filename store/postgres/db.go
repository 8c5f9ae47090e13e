package postgres

import (
	"context"
	"database/sql"
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
	"github.com/plumbhq/plumb/internal/sqlstore"
)

// Compile-time proof that DB is a plumb.Store.
var _ plumb.Store = (*DB)(nil)

// DefaultMaxConns bounds the pool when the URL sets no pool_max_conns:
// the queue's workers, its listener and the HTTP handlers share it.
const DefaultMaxConns = 16

// DB is a plumb.Store on one PostgreSQL database. The embedded
// sqlstore.DB holds the SQL both stores share, and Now, the clock tests
// replace.
type DB struct {
	*sqlstore.DB
	pool *pgxpool.Pool
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
	db := &DB{DB: sqlstore.New(stdlib.OpenDBFromPool(pool), dialect{}), pool: pool}
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
	err := db.SQL().Close()
	db.pool.Close()
	return err
}

// Ping reports whether the database answers; /readyz uses it.
func (db *DB) Ping(ctx context.Context) error { return db.pool.Ping(ctx) }

// SQL returns the database/sql handle on the pool.
func (db *DB) SQL() *sql.DB { return db.DB.SQL() }

// Pool returns the connection pool, for River's driver to share the
// database.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

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

// NewID returns a 32-hex-digit ID that sorts by creation time: 48 bits of
// Unix milliseconds, then 80 random bits (as store/sqlite's).
func NewID(now time.Time) string { return sqlstore.NewID(now) }

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

// Pinger reaches a database only to say whether it answers: the pg state
// backend's (--state-url), which the engines use and plumb never migrates.
type Pinger struct{ pool *pgxpool.Pool }

// NewPinger makes a Pinger on url with one connection at most, made on
// the first Ping.
func NewPinger(url string) (*Pinger, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	cfg.MaxConns = 1
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres %s: %w", Redact(url), err)
	}
	return &Pinger{pool: pool}, nil
}

// Ping reports whether the database answers, naming it without its password.
func (p *Pinger) Ping(ctx context.Context) error {
	if err := p.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres %s: %w", Redact(p.pool.Config().ConnString()), err)
	}
	return nil
}

// Close closes its connection.
func (p *Pinger) Close() { p.pool.Close() }
