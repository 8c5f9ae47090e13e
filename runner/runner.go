package runner

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"time"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/engine"
	"github.com/plumbhq/plumb/runner/keptstate"
	"github.com/plumbhq/plumb/runner/rootmod"
)

// Runner executes runs. Configure the exported fields, then call New's
// result concurrently from any number of callers: one bounded pool of
// Workers is shared by all of them.
type Runner struct {
	dataDir  string
	store    plumb.Store
	engines  []engine.Binary
	fetcher  *engine.Fetcher
	env      map[string]string
	redactor *plumb.Redactor
	logger   *slog.Logger
	now      func() time.Time
	grace    time.Duration
	defaults map[plumb.Engine]string
	finished func(*plumb.Run)
	policy   *PolicyCheck // see SetPolicy (policy.go)

	// artifacts is the store replicas share (Config.Artifacts), or nil.
	artifacts plumb.Artifacts
	lease     leaseConfig // lease.go
	state     keptstate.Where

	pool chan struct{}
	// readBacks bounds saved plans being read back (`show -json`) once
	// their worker slot is freed: as many as there are workers, so a slow
	// read-back never piles up engines and their memory.
	readBacks chan struct{}
	// preps bounds plans preparing (worktree, init) ahead of a worker:
	// one per worker, so the next project inits while this one plans.
	preps chan struct{}
	keys  *keyedMutex
	trees *worktrees
}

// Config holds what a Runner needs; cmd/plumb fills it.
type Config struct {
	DataDir string
	Store   plumb.Store
	Engines []engine.Binary // from FindEngines
	// Fetcher, if set, downloads a project's engine when none in Engines
	// meets its constraint (engines on demand).
	Fetcher *engine.Fetcher
	// Env is the environment engines run with (os.Environ() plus plumb's
	// additions). TF_VAR_* entries reach the engine as a 0600 var file.
	Env []string
	// Credentials are plumb's own secret values (GitHub token or App key,
	// webhook secret, database URL): engines never see them, nor any
	// PLUMB_* variable (see env.go).
	Credentials []string
	Redactor    *plumb.Redactor
	Logger      *slog.Logger
	// Workers bounds concurrent runs across all callers (default: CPUs).
	Workers int
	// Grace is how long a cancelled engine gets after its interrupt before
	// it is killed (default 30s).
	Grace time.Duration
	// DefaultVersions is the version constraint per engine used when a
	// project names none and its HCL has no required_version.
	DefaultVersions map[plumb.Engine]string
	Now             func() time.Time
	// Finished, if set, hears about every run that ends (for metrics).
	Finished func(*plumb.Run)
	// Artifacts, if set, is the store every replica shares: plans are
	// copied there when made and fetched from there to be applied, and a
	// run's redacted plan and log when it ends (see RunFile).
	Artifacts plumb.Artifacts
	// Replica names this process as the owner of its runs' leases
	// (default: host, pid and a random part); KeepLeases renews them every
	// LeaseRenew (default 10s) to last LeaseTTL (default 45s) more.
	Replica    string
	LeaseTTL   time.Duration
	LeaseRenew time.Duration
	// StateURL, postgres://… or s3://bucket/prefix (reached as StateS3
	// says), keeps the state of projects without a backend in the engine's
	// pg or s3 backend (keptstate) instead of the data dir, so every
	// replica reads and writes the same state; the engine then checks that
	// a saved plan is not stale, as for projects with their own backend.
	// Engines get a pg URL as PG_CONN_STR, even when it is among
	// Credentials; it is redacted.
	StateURL string
	StateS3  keptstate.S3
}

// New returns a Runner for cfg.
func New(cfg Config) (*Runner, error) {
	if cfg.DataDir == "" {
		return nil, plumb.Errorf(plumb.EINVALID, "runner: no data dir")
	}
	if cfg.Store == nil {
		return nil, plumb.Errorf(plumb.EINVALID, "runner: no store")
	}
	abs, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("runner: data dir: %w", err)
	}
	r := &Runner{
		dataDir:   abs,
		store:     cfg.Store,
		engines:   cfg.Engines,
		fetcher:   cfg.Fetcher,
		redactor:  cfg.Redactor,
		logger:    cfg.Logger,
		now:       cfg.Now,
		grace:     cfg.Grace,
		defaults:  cfg.DefaultVersions,
		finished:  cfg.Finished,
		artifacts: cfg.Artifacts,
		lease:     newLeaseConfig(cfg),
		keys:      newKeyedMutex(),
		trees:     newWorktrees(filepath.Join(abs, "worktrees")),
	}
	if r.redactor == nil {
		r.redactor = plumb.NewRedactor()
	}
	if r.logger == nil {
		r.logger = slog.New(slog.DiscardHandler)
	}
	var dropped []string
	r.env, dropped = engine.Environment(envMap(cfg.Env), cfg.Credentials)
	if len(dropped) > 0 {
		r.logger.Warn("variables not passed to engines: their values hold plumb's own credentials", "names", dropped)
	}
	if r.state, err = keptstate.Parse(cfg.StateURL, cfg.StateS3, func(k string) string { return r.env[k] }); err != nil {
		return nil, plumb.Errorf(plumb.EINVALID, "--state-url: %s", plumb.ErrorMessage(err))
	}
	r.redactor.Add(engine.CredentialForms(r.state.Secret())...)
	if r.env == nil {
		r.env = map[string]string{}
	}
	maps.Copy(r.env, r.state.Env()) // PG_CONN_STR: the pg backend's, and only that
	if r.now == nil {
		r.now = time.Now
	}
	if r.grace <= 0 {
		r.grace = 30 * time.Second
	}
	workers := cfg.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	r.pool = make(chan struct{}, workers)
	r.readBacks = make(chan struct{}, workers)
	r.preps = make(chan struct{}, workers)
	return r, nil
}

func envMap(environ []string) map[string]string {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
			m[k] = v
		}
	}
	return m
}

// newID returns a time-ordered unique run ID.
func (r *Runner) newID() string {
	var b [5]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s-%s", r.now().UTC().Format("20060102T150405.000"), hex.EncodeToString(b[:]))
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// pathKey turns parts (repo, dir, …) into one directory name that is
// readable and collision-free.
func pathKey(parts ...string) string {
	joined := strings.Join(parts, "\x00")
	sum := sha256.Sum256([]byte(joined))
	name := unsafeChars.ReplaceAllString(strings.Join(parts, "_"), "-")
	name = strings.Trim(name, "-.")
	if len(name) > 60 {
		name = name[len(name)-60:]
	}
	return name + "-" + hex.EncodeToString(sum[:4])
}

// stateDir is where plumb keeps the state of a project without a backend:
// one per repo and project directory; workspaces live beneath it.
func (r *Runner) stateDir(repo, dir string) string {
	return filepath.Join(r.dataDir, "state", pathKey(repo, dir))
}

// AdoptState moves the plumb-kept state of project dir from repository
// key from to key to, when to has none yet and from has some: a data dir
// whose CLI runs keyed state by the repo's local path keeps it once the
// CLI keys it by owner/name, as plumb serve does. It reports whether it
// moved anything; with state under both keys it leaves both alone.
func (r *Runner) AdoptState(from, to, dir string) (bool, error) {
	old, cur := r.stateDir(from, dir), r.stateDir(to, dir)
	if from == to || !hasState(old) || hasState(cur) {
		return false, nil
	}
	// An earlier run may have made cur without writing state into it.
	if err := os.Remove(cur); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("move state of %s from %s to %s: %w (move it by hand)", dir, old, cur, err)
	}
	if err := os.Rename(old, cur); err != nil {
		return false, fmt.Errorf("move state of %s: %w", dir, err)
	}
	// Worktrees are per commit, and one already holding plumb's backend
	// override counts as a project with a backend, so the override naming
	// the old place would be kept: remove it and the next run writes the
	// new one.
	stale, _ := filepath.Glob(filepath.Join(r.trees.root, "*", filepath.FromSlash(dir), rootmod.BackendOverride))
	for _, f := range stale {
		if b, err := os.ReadFile(f); err == nil && strings.Contains(string(b), rootmod.HCLString(filepath.Join(old, "terraform.tfstate"))) {
			if err := os.Remove(f); err != nil {
				return true, fmt.Errorf("move state of %s: %w", dir, err)
			}
		}
	}
	return true, nil
}

// MigrateState moves into to the state the data dir keeps of every
// project its store has run, each with its own engine (keptstate).
func (r *Runner) MigrateState(ctx context.Context, to keptstate.Where, log io.Writer) ([]keptstate.Result, error) {
	runs, err := r.store.LatestRuns(ctx, plumb.RunFilter{})
	if err != nil {
		return nil, err
	}
	scratch, err := os.MkdirTemp(r.dataDir, "migrate-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(scratch)
	env := maps.Clone(r.env)
	env["TF_PLUGIN_CACHE_DIR"] = r.pluginCacheDir() // the providers its runs installed
	return to.MigrateAll(ctx, keptstate.Batch{Runs: runs, Project: r.keptProject, StateRoot: filepath.Join(r.dataDir, "state"),
		Engines: r.engines, Env: env, Scratch: scratch, Log: log})
}

// hasState says whether a state dir holds any non-empty state file.
func hasState(dir string) bool {
	found := false
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || found {
			return filepath.SkipAll
		}
		if !d.IsDir() && strings.HasSuffix(d.Name(), ".tfstate") {
			if info, err := d.Info(); err == nil && info.Size() > 0 {
				found = true
			}
		}
		return nil
	})
	return found
}

// projectDataDir holds a project workspace's TF_DATA_DIR, its last init
// fingerprint and its dependency lock file, reused across commits.
func (r *Runner) projectDataDir(repo, dir, workspace string) string {
	return filepath.Join(r.dataDir, "projects", pathKey(repo, dir, workspace))
}

func (r *Runner) runDir(id string) string { return filepath.Join(r.dataDir, "runs", id) }

func (r *Runner) pluginCacheDir() string { return filepath.Join(r.dataDir, "plugin-cache") }
