package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrate applies, in one transaction, every embedded migration not yet
// recorded in plumb_schema_migrations. The write lock taken at BEGIN makes
// two processes opening a fresh file at once apply each migration once.
func (db *DB) migrate(ctx context.Context) error {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS plumb_schema_migrations (
			version    TEXT PRIMARY KEY,
			applied_at TEXT NOT NULL
		)`); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		for _, name := range names {
			version := strings.TrimSuffix(strings.TrimPrefix(name, "migrations/"), ".sql")
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM plumb_schema_migrations WHERE version = $1`, version).Scan(&n); err != nil {
				return fmt.Errorf("migrate %s: %w", version, err)
			}
			if n > 0 {
				continue
			}
			body, err := migrations.ReadFile(name)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("migrate %s: %w", version, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO plumb_schema_migrations (version, applied_at) VALUES ($1, $2)`,
				version, formatTime(db.now())); err != nil {
				return fmt.Errorf("migrate %s: %w", version, err)
			}
		}
		return nil
	})
}
