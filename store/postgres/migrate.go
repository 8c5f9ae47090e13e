package postgres

import (
	"context"
	"database/sql"
	"embed"

	"github.com/plumbhq/plumb/internal/sqlmigrate"
	"github.com/plumbhq/plumb/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrate applies, in one transaction, every embedded migration not yet
// recorded in plumb_schema_migrations. The advisory lock taken first makes
// replicas opening a fresh database at once wait for each other: the
// first applies, the others then find every version recorded.
func (db *DB) migrate(ctx context.Context) error {
	return sqlstore.InTx(ctx, db.SQL(), func(tx *sql.Tx) error {
		if err := lockTx(ctx, tx, "plumb store migrations"); err != nil {
			return err
		}
		return sqlmigrate.Apply(ctx, tx, "plumb_schema_migrations", migrations, db.Now().UTC())
	})
}
