package main

import (
	"context"
	"fmt"
	"time"

	"github.com/plumbhq/plumb/internal/pgcluster"
)

// pgServer is a throwaway PostgreSQL cluster, as internal/pgtest makes one
// for the tests, but with the server's default durability (fsync,
// synchronous_commit and full_page_writes on): SQLite commits with
// synchronous=FULL, and a PostgreSQL that skips its flushes would win by
// not doing the same work.
type pgServer struct{ *pgcluster.Cluster }

// startPostgres makes a cluster in a temp dir and starts it on a free port.
func startPostgres(bin string) (*pgServer, error) {
	if bin == "" {
		bin = pgcluster.FindBin()
	}
	if bin == "" {
		return nil, fmt.Errorf("no PostgreSQL server binaries (initdb, postgres) in %s: run `make tools`, or -postgres-bin DIR", pgcluster.BinGlob)
	}
	c, err := pgcluster.Start(bin, pgcluster.Options{Prefix: "plumb-bench-pg-"})
	if err != nil {
		return nil, err
	}
	return &pgServer{c}, nil
}

// createDB makes an empty database and returns its URL: each round's
// server starts on an empty queue, as each SQLite round does.
func (s *pgServer) createDB(name string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", fmt.Errorf("create database %s: %w", name, err)
	}
	return s.URL(name), nil
}

// stop shuts the server down and removes its files.
func (s *pgServer) stop() { s.Stop() }
