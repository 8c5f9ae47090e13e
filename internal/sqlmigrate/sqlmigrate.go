package sqlmigrate

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strings"
	"time"
)

var tableName = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// Apply runs, in name order, every migrations/*.sql file of files that
// table does not record yet, and records it. It runs in tx, so a failure
// applies nothing, and the write lock taken by the transaction makes two
// processes opening a fresh database apply each migration once.
func Apply(ctx context.Context, tx *sql.Tx, table string, files fs.FS, now time.Time) error {
	if !tableName.MatchString(table) {
		return fmt.Errorf("migrations table %q is not a plain name", table)
	}
	names, err := fs.Glob(files, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+table+` (
		version    TEXT PRIMARY KEY,
		applied_at TEXT NOT NULL
	)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, name := range names {
		version := strings.TrimSuffix(strings.TrimPrefix(name, "migrations/"), ".sql")
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` WHERE version = $1`, version).Scan(&n); err != nil {
			return fmt.Errorf("migrate %s: %w", version, err)
		}
		if n > 0 {
			continue
		}
		body, err := fs.ReadFile(files, name)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, string(body)); err != nil {
			return fmt.Errorf("migrate %s: %w", version, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO `+table+` (version, applied_at) VALUES ($1, $2)`,
			version, now.UTC().Format("2006-01-02T15:04:05.000000000Z07:00")); err != nil {
			return fmt.Errorf("migrate %s: %w", version, err)
		}
	}
	return nil
}
