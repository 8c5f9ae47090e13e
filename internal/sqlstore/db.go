package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"time"
)

// DB is all of plumb.Store on a database/sql handle, in d's dialect, but
// Ping and Close: opening, migrating, pinging and closing are the
// embedding store's.
type DB struct {
	db *sql.DB
	d  Dialect

	// Now returns the current time; tests replace it. It stamps records
	// that arrive without a time.
	Now func() time.Time
}

// New is a store on db, speaking d, on the wall clock.
func New(db *sql.DB, d Dialect) *DB { return &DB{db: db, d: d, Now: time.Now} }

// SQL returns the underlying handle, for the queue to share the database.
func (db *DB) SQL() *sql.DB { return db.db }

func (db *DB) now() time.Time { return db.Now().UTC() }

func (db *DB) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return InTx(ctx, db.db, fn)
}

// InTx runs fn in one transaction and commits it when fn succeeds.
func InTx(ctx context.Context, db *sql.DB, fn func(tx *sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
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
// Unix milliseconds, then 80 random bits.
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
