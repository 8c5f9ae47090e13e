// Command plumb is the GitOps runner for Terraform and OpenTofu. This
// package is thin: flags, configuration and wiring. It is the only package
// that imports the adapters (vcs, store, server).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/engine"
	"github.com/plumbhq/plumb/internal/flagsource"
	"github.com/plumbhq/plumb/internal/stopsignal"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	code := NewMain().Run(stopsignal.Context(), os.Args[1:])
	os.Exit(code)
}

// Main is the program: its I/O and global options, so tests can run it
// in-process.
type Main struct {
	Stdin   io.Reader
	Stdout  io.Writer
	Stderr  io.Writer
	Getenv  func(string) string
	Environ func() []string

	// Global flags.
	DataDir     string
	DatabaseURL string // PostgreSQL instead of SQLite in the data dir (database.go)
	LogFormat   string
	LogLevel    string
	BinDirs     []string
	SecretEnv   []string
	Releases    engineReleases // where engines on demand come from (store.go)
	Artifacts   artifactFlags  // the run files replicas share (artifacts.go)

	Logger   *slog.Logger
	Redactor *plumb.Redactor
}

// NewMain returns a Main on the process's stdio and environment.
func NewMain() *Main {
	return &Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, Environ: os.Environ, Redactor: plumb.NewRedactor()}
}

// exitError carries a verb's exit code without printing anything more.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// Run executes one command line and returns the exit code.
func (m *Main) Run(ctx context.Context, args []string) int {
	root := m.rootCmd()
	root.SetArgs(args)
	root.SetIn(m.Stdin)
	root.SetOut(m.Stdout)
	root.SetErr(m.Stderr)
	err := root.ExecuteContext(ctx)
	var ee exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.code
	}
	fmt.Fprintf(m.Stderr, "plumb: %s\n", m.Redactor.String(err.Error()))
	return plumb.ExitCode(err)
}

func (m *Main) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "plumb",
		Short:         "GitOps runner for Terraform and OpenTofu",
		Long:          "plumb plans the projects a change affects, applies merged changes in order under locks,\nand finds drift between your repository and your infrastructure.",
		SilenceUsage:  true,
		SilenceErrors: true,
		CompletionOptions: cobra.CompletionOptions{
			DisableDefaultCmd: true,
		},
	}
	pf := root.PersistentFlags()
	pf.StringVar(&m.DataDir, "data-dir", "", "directory for runs, plans, plumb-kept state and the database (default .plumb/ under the repo)")
	pf.StringVar(&m.DatabaseURL, "database-url", "", "PostgreSQL URL (postgres://…) of the store and queue that several servers share (default: SQLite in the data dir)")
	pf.StringVar(&m.LogFormat, "log-format", "text", "log format: text or json")
	pf.StringVar(&m.LogLevel, "log-level", "info", "log level: debug, info, warn or error")
	pf.StringSliceVar(&m.BinDirs, "bin-dir", nil, "extra directories to search for tofu and terraform (before PATH)")
	m.Releases.flags(pf)
	m.Artifacts.flags(pf)
	pf.StringSliceVar(&m.SecretEnv, "secret-env", nil, "names of environment variables whose values are secrets, redacted from all output (well-known credential variables always are)")
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		if err := m.applyEnv(cmd); err != nil {
			return err
		}
		m.learnSecrets()
		return m.setupLogger()
	}
	root.AddCommand(m.versionCmd())
	root.AddCommand(m.validateCmd())
	root.AddCommand(m.projectsCmd())
	root.AddCommand(m.affectedCmd())
	root.AddCommand(m.locksCmd())
	root.AddCommand(m.runsCmd(), m.auditCmd())
	root.AddCommand(m.planCmd())
	root.AddCommand(m.applyCmd())
	root.AddCommand(m.driftCmd())
	root.AddCommand(m.serveCmd(), m.migrateCmd(), m.stateCmd())
	root.AddCommand(m.policyCmd())
	return root
}

// applyEnv fills every flag the user did not set from PLUMB_<FLAG>
// (dashes become underscores), so each flag is also an env setting.
func (m *Main) applyEnv(cmd *cobra.Command) error {
	return flagsource.FromEnv(m.Getenv, cmd.Flags(), cmd.InheritedFlags())
}

// knownSecretEnv are credential variables that are secret wherever they
// appear; --secret-env adds the team's own (TF_VAR_db_password, …).
var knownSecretEnv = []string{
	"GITHUB_TOKEN", "GH_TOKEN", "PLUMB_GITHUB_TOKEN", "PLUMB_WEBHOOK_SECRET",
	"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "ARM_CLIENT_SECRET", "ARM_ACCESS_KEY",
	"GOOGLE_CREDENTIALS", "TF_TOKEN_app_terraform_io", "VAULT_TOKEN",
}

// learnSecrets teaches the redactor the values of secret variables before
// anything is printed, logged or stored, and every form of plumb's own
// credentials in PLUMB_* variables (the database URL and its password, a
// GitHub App key and its lines) whether or not a flag reads them yet.
func (m *Main) learnSecrets() {
	for _, name := range append(append([]string{}, knownSecretEnv...), m.SecretEnv...) {
		if v := m.Getenv(name); v != "" {
			m.Redactor.Add(v)
		}
	}
	m.plumbCredentials() // teaches the redactor as it reads them
}

// plumbCredentials are plumb's own credentials: those in its PLUMB_*
// variables plus given, the ones a flag or the config file set (the
// webhook secret, the GitHub token). Engines never see them
// (runner.Config.Credentials), unlike the user's provider credentials in
// knownSecretEnv, which are only redacted. It teaches the redactor every
// form of them too, so a caller cannot forget to.
func (m *Main) plumbCredentials(given ...string) []string {
	var environ []string
	if m.Environ != nil {
		environ = m.Environ()
	}
	creds := append(engine.CredentialsInEnv(environ), append(given, m.Artifacts.Key)...)
	m.Redactor.Add(engine.CredentialForms(creds...)...)
	return creds
}

func (m *Main) setupLogger() error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(m.LogLevel)); err != nil {
		return plumb.Errorf(plumb.EINVALID, "--log-level %q: want debug, info, warn or error", m.LogLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler
	switch m.LogFormat {
	case "text":
		h = slog.NewTextHandler(m.Stderr, opts)
	case "json":
		h = slog.NewJSONHandler(m.Stderr, opts)
	default:
		return plumb.Errorf(plumb.EINVALID, "--log-format %q: want text or json", m.LogFormat)
	}
	m.Logger = slog.New(plumb.RedactHandler(h, m.Redactor))
	return nil
}
