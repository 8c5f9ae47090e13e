package main

import (
	"bytes"
	"errors"

	"github.com/spf13/cobra"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/runner"
	"github.com/plumbhq/plumb/runner/keptstate"
)

func (m *Main) stateCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "state", Short: "The state plumb keeps for projects without a backend", Args: cobra.NoArgs}
	cmd.AddCommand(m.stateMigrateCmd())
	return cmd
}

func (m *Main) stateMigrateCmd() *cobra.Command {
	var to, repoDir string
	cmd := &cobra.Command{
		Use:   "migrate --to postgres://…|s3://bucket/prefix [--data-dir DIR | --repo DIR]",
		Short: "Copy the state plumb keeps in the data dir into a backend every replica shares, with the engine's own init -migrate-state",
		Long: "Copy the state plumb keeps in the data dir, of every project without a backend that its store has\n" +
			"run, into the backend --state-url names, each with its engine's `init -migrate-state -force-copy`.\n" +
			"A state already there is left alone (run it again at will); one that differs there is refused.\n" +
			"Stop plumb serve on the data dir first, then start it with --state-url set to the same URL.\n" +
			"Exit codes: 0 every kept state is there; 1 one was refused or is unknown to the store, or an error.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, s3 := m.Artifacts.state()
			target, err := keptstate.Parse(to, s3, m.Getenv)
			if err == nil && !target.Shared() {
				err = plumb.Errorf(plumb.EINVALID, "want postgres://… or s3://bucket/prefix")
			}
			if err != nil {
				return plumb.Errorf(plumb.EINVALID, "--to: %s", plumb.ErrorMessage(err))
			}
			m.Redactor.Add(target.Secret())
			root, err := m.storeRepoRoot(repoDir)
			if err != nil {
				return err
			}
			if m.DataDir == "" && root == "" {
				return plumb.Errorf(plumb.EINVALID, "which data dir? pass --data-dir DIR (plumb serve's) or --repo DIR")
			}
			dataDir := m.dataDirFor(root)
			unlock, err := lockDataDir(dataDir) // no serve writes state meanwhile
			if err != nil {
				return err
			}
			defer unlock()
			st, err := m.openStore(cmd.Context(), root)
			if err != nil {
				return err
			}
			defer st.Close()
			r, err := runner.New(runner.Config{DataDir: dataDir, Store: st, Engines: m.findEngines(cmd.Context(), dataDir),
				Env: m.Environ(), Credentials: m.plumbCredentials(), Redactor: m.Redactor, Logger: m.Logger})
			if err != nil {
				return err
			}
			results, migErr := r.MigrateState(cmd.Context(), target, nil)
			var buf bytes.Buffer
			ok, err := target.WriteReport(&buf, results) // what was done, also when an error ended it
			if _, werr := m.Stdout.Write(m.Redactor.Bytes(buf.Bytes())); err == nil {
				err = werr
			}
			if err := errors.Join(migErr, err); err != nil {
				return err
			}
			if !ok {
				return exitError{1}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&to, "to", "", "the shared backend: postgres://… or s3://bucket/prefix (with --s3-endpoint and --s3-path-style for an S3-compatible server)")
	cmd.Flags().StringVar(&repoDir, "repo", "", "git repository whose .plumb/ data dir to migrate (default: --data-dir, else the one holding the current directory)")
	return cmd
}
