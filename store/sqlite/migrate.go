package sqlite

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
// recorded in plumb_schema_migrations. The write lock taken at BEGIN makes
// two processes opening a fresh file at once apply each migration once.
func (db *DB) migrate(ctx context.Context) error {
	return sqlstore.InTx(ctx, db.SQL(), func(tx *sql.Tx) error {
		return sqlmigrate.Apply(ctx, tx, "plumb_schema_migrations", migrations, db.Now().UTC())
	})
}
