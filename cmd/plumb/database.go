package main

import (
	"cmp"
	"context"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/queue"
	"github.com/plumbhq/plumb/store/postgres"
	"github.com/plumbhq/plumb/store/sqlite"
)

// database is the store serve and migrate open, which the queue shares.
type database interface {
	plumb.Store
	Ping(ctx context.Context) error
}

// openDatabase opens --database-url (teaching the redactor its forms
// first), else the SQLite file in dir; share sets a queue's config to use
// the same database. Only on SQLite, whose data dir lock makes serve its
// one worker, does the queue re-queue what a killed process left running.
func (m *Main) openDatabase(ctx context.Context, dir string) (db database, share func(queue.Config) queue.Config, err error) {
	if m.DatabaseURL != "" {
		m.plumbCredentials(m.DatabaseURL)
		pg, err := postgres.Open(ctx, m.DatabaseURL)
		return pg, func(c queue.Config) queue.Config { c.Pool = pg.Pool(); return c }, err
	}
	lite, err := sqlite.Open(ctx, filepath.Join(dir, "plumb.db"))
	return lite, func(c queue.Config) queue.Config { c.DB, c.RecoverRunning = lite.SQL(), true; return c }, err
}

func (m *Main) migrateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "migrate [--database-url URL]",
		Short: "Apply the store's and the queue's migrations to serve's database and exit",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, share, err := m.openDatabase(cmd.Context(), cmp.Or(m.DataDir, serveDataDir))
			if err != nil {
				return fmt.Errorf("migrate: store: %w", err)
			}
			defer db.Close()
			if err := queue.Migrate(cmd.Context(), share(queue.Config{Logger: m.Logger})); err != nil {
				return fmt.Errorf("migrate: queue: %w", err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), "store and queue migrated")
			return nil
		},
	}
}
