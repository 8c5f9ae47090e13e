package runner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-exec/tfexec"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/engine"
	"github.com/plumbhq/plumb/runner/keptstate"
	"github.com/plumbhq/plumb/runner/rootmod"
	"github.com/plumbhq/plumb/runner/runfiles"
)

// Target is one project at one commit: what a run acts on.
type Target struct {
	Repo    string // "owner/name", or the local repo path for the CLI
	Commit  string // full sha of the tree
	Base    string // the commit the change was planned against, if any
	Tree    fs.FS  // the commit's tree
	Project plumb.Project
	// Trigger says who asked ("cli", "PR #12", "main", "drift"); it is the
	// lock owner for applies and the actor in the audit trail.
	Trigger string
	// AnyCommitSuperseded: a plan of this target replaces the trigger's
	// earlier saved plans of the project at every commit (a pull request's
	// new push), not only at its own (a local plan of one branch leaves
	// another branch's plan alone).
	AnyCommitSuperseded bool
	// Policy, if set, checks this target's plans instead of SetPolicy's
	// (a pull request's sets and input.plumb, known only to its job).
	Policy *PolicyCheck
}

func (t Target) LockKey() plumb.LockKey {
	return plumb.LockKey{Repo: t.Repo, Dir: t.Project.Dir, Workspace: workspaceOf(t.Project)}
}

func workspaceOf(p plumb.Project) string {
	if p.Workspace == "" {
		return plumb.DefaultWorkspace
	}
	return p.Workspace
}

// workdir is a project prepared for the engine: a worktree directory, the
// chosen binary, and terraform-exec wired to plumb's data dir.
type workdir struct {
	dir     string // the project directory inside the worktree
	dataDir string // per project+workspace: TF_DATA_DIR, init fingerprint
	bin     engine.Binary
	cfg     rootmod.Config
	tf      *tfexec.Terraform
	varFile string // "" or a 0600 var file to delete after the run
	release func() // gives the worktree back for pruning
	// lockCommitted: the repo has its own .terraform.lock.hcl, which wins.
	lockCommitted bool
	log           io.Writer         // the run log the engine writes to
	env           map[string]string // what terraform-exec was given, for the plan plumb starts itself
}

// prepare materialises the commit, picks the engine, wires the backend and
// runs init when its inputs changed. Engine output goes to log.
func (r *Runner) prepare(ctx context.Context, t Target, runDir string, log io.Writer) (*workdir, error) {
	// One worktree per repo and commit: the backend override written into
	// it points at that repo's state (a fork and its upstream share commits).
	repoSum := sha256.Sum256([]byte(t.Repo))
	root, release, err := r.trees.get(ctx, t.Commit+"-"+hex.EncodeToString(repoSum[:4]), t.Tree)
	if err != nil {
		return nil, err
	}
	w := &workdir{release: release}
	ok := false
	defer func() {
		if !ok { // prepare failed: nothing will use the worktree or var file
			w.close()
		}
	}()
	dir := filepath.Join(root, filepath.FromSlash(t.Project.Dir))
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, plumb.Errorf(plumb.ENOTFOUND, "project %s: directory %s does not exist at commit %.12s", t.Project.Name, t.Project.Dir, t.Commit)
	}
	kind := t.Project.Engine
	if kind == "" {
		kind = plumb.EngineTofu
	}
	w.dir, w.dataDir = dir, r.projectDataDir(t.Repo, t.Project.Dir, workspaceOf(t.Project))
	if _, err := fs.Stat(t.Tree, path.Join(t.Project.Dir, ".terraform.lock.hcl")); err == nil {
		w.lockCommitted = true
	}
	modDirs := make([]string, 0, len(t.Project.Modules))
	for _, m := range t.Project.Modules {
		modDirs = append(modDirs, filepath.Join(root, filepath.FromSlash(m)))
	}
	w.cfg = rootmod.Read(dir, modDirs, kind == plumb.EngineTofu)

	if w.bin, err = r.engineFor(ctx, t.Project, kind, w.cfg); err != nil {
		return nil, err
	}
	if !w.cfg.HasBackend {
		if err := r.writeKeptBackend(dir, t, w.bin); err != nil {
			return nil, fmt.Errorf("project %s: %w", t.Project.Name, err)
		}
		w.cfg.HasBackend = r.state.Shared() // the engine's backend, shared by every replica
	}
	if err := os.MkdirAll(w.dataDir, 0o700); err != nil {
		return nil, err
	}
	if err := r.newExec(ctx, w, runDir, log); err != nil {
		return nil, fmt.Errorf("project %s: %w", t.Project.Name, err)
	}
	if err := r.init(ctx, w, log); err != nil {
		return nil, fmt.Errorf("project %s: %s init: %w", t.Project.Name, kind, err)
	}
	if ws := workspaceOf(t.Project); ws != plumb.DefaultWorkspace {
		if err := w.tf.WorkspaceSelect(ctx, ws); err != nil {
			if err := w.tf.WorkspaceNew(ctx, ws); err != nil {
				return nil, fmt.Errorf("project %s: workspace %s: %w", t.Project.Name, ws, err)
			}
		}
	}
	ok = true
	return w, nil
}

// close deletes the run's var file and gives the worktree back.
func (w *workdir) close() {
	if w.varFile != "" {
		os.Remove(w.varFile)
	}
	if w.release != nil {
		w.release()
		w.release = nil
	}
}

// engineFor picks the binary for a project: its own version constraint,
// else its required_version, else the configured default for the engine.
// When no installed binary matches, the fetcher (if any) downloads the
// newest matching release into the data dir, verified, or finds the one
// it downloaded before.
func (r *Runner) engineFor(ctx context.Context, p plumb.Project, kind plumb.Engine, cfg rootmod.Config) (engine.Binary, error) {
	constraint := p.Version
	if constraint == "" {
		constraint = cfg.RequiredVersion
	}
	if constraint == "" {
		constraint = r.defaults[kind]
	}
	bin, err := engine.Select(r.engines, kind, constraint)
	if err != nil && r.fetcher != nil && plumb.ErrorCode(err) == plumb.ENOTFOUND {
		fetched, ferr := r.fetcher.Fetch(ctx, kind, constraint)
		if ferr == nil {
			return fetched, nil
		}
		// The download's code decides (a refused release is invalid, an
		// unreachable site worth retrying); the message keeps both halves.
		return bin, plumb.Errorf(plumb.ErrorCode(ferr), "project %s: %s; downloading one: %w", p.Name, err.Error(), ferr)
	}
	if err != nil {
		return bin, fmt.Errorf("project %s: %w", p.Name, err)
	}
	return bin, nil
}

// newExec wires terraform-exec to the project: plumb's environment (with
// TF_VAR_* moved to a 0600 var file), its data dir and the run log.
func (r *Runner) newExec(ctx context.Context, w *workdir, runDir string, log io.Writer) error {
	env, vars := rootmod.SplitVarEnv(r.env)
	for _, name := range w.cfg.SensitiveVars {
		if v := vars[name]; v != "" {
			r.redactor.Add(v)
		}
	}
	var err error
	if w.varFile, err = rootmod.WriteVarFile(filepath.Join(runDir, "env.auto.tfvars"), vars, w.cfg.VarTypes); err != nil {
		return err
	}
	env = tfexec.CleanEnv(env)
	env["TF_DATA_DIR"] = filepath.Join(w.dataDir, "tfdata")
	// The engine uses the cache only when the directory exists: otherwise
	// it warns ("cannot be opened") and every init copies every provider.
	if err := os.MkdirAll(r.pluginCacheDir(), 0o700); err != nil {
		return err
	}
	env["TF_PLUGIN_CACHE_DIR"] = r.pluginCacheDir()
	// Without this the engine reinstalls a cached provider over itself
	// whenever a project's lock file lacks its checksum, pulling the binary
	// from under a plan or show running at that moment ("fork/exec …: no
	// such file"). With it, the cache is only ever added to. The lock files
	// plumb writes stay in its own worktrees.
	env["TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE"] = "true"
	if w.tf, err = tfexec.NewTerraform(w.dir, w.bin.Path); err != nil {
		return err
	}
	seedVersion(w.tf, w.bin.Version)
	if err := w.tf.SetEnv(env); err != nil {
		return fmt.Errorf("engine environment: %w", err)
	}
	w.env = env
	w.log = log
	w.tf.SetStdout(log)
	w.tf.SetStderr(log)
	w.tf.SetWaitDelay(r.grace)
	return nil
}

// writeKeptBackend points a project without a backend at the state plumb
// keeps for it: in the data dir, or where every replica shares it.
func (r *Runner) writeKeptBackend(dir string, t Target, bin engine.Binary) error {
	p := r.keptProject(t.Repo, t.Project.Dir)
	if !r.state.Shared() {
		if err := os.MkdirAll(p.LocalDir, 0o700); err != nil {
			return err
		}
	}
	body, err := r.state.Override(p, bin)
	if err != nil {
		return err
	}
	return runfiles.WriteFileAtomic(filepath.Join(dir, rootmod.BackendOverride), body, 0o644)
}

func (r *Runner) keptProject(repo, dir string) keptstate.Project {
	return keptstate.Project{Repo: repo, Dir: dir, Key: pathKey(repo, dir), LocalDir: r.stateDir(repo, dir)}
}

// init runs `init` unless the same binary already initialised this project
// workspace with the same provider, module and backend inputs. Unless the
// repo commits its own dependency lock file, each project workspace keeps
// its own (engines and workspaces of one directory may differ) and it is
// put in place before every run.
func (r *Runner) init(ctx context.Context, w *workdir, log io.Writer) error {
	fingerprint := strings.Join([]string{w.bin.Path, w.bin.VersionString(), w.cfg.InitInputs,
		r.env["TF_CLI_CONFIG_FILE"], fileDigest(r.env["TF_CLI_CONFIG_FILE"]), fileDigest(filepath.Join(w.dir, rootmod.BackendOverride))}, "\n")
	fpPath := filepath.Join(w.dataDir, "init.fingerprint")
	savedLock := filepath.Join(w.dataDir, "lock.hcl")
	repoLock := filepath.Join(w.dir, ".terraform.lock.hcl")
	if !w.lockCommitted {
		if err := copyFile(savedLock, repoLock); errors.Is(err, fs.ErrNotExist) {
			os.Remove(repoLock) // another workspace's lock file must not steer this init
		} else if err != nil {
			return err
		}
	}
	if old, err := os.ReadFile(fpPath); err == nil && string(old) == fingerprint {
		if _, err := os.Stat(repoLock); err == nil {
			fmt.Fprintf(log, "plumb: init skipped: providers, modules and backend unchanged\n")
			return nil
		}
	}
	// A shared plugin cache races when two inits write it at once, so
	// inits take turns on it, unless the engine locks the cache itself.
	if !locksPluginCache(w.bin) {
		unlock, err := fileLock(ctx, filepath.Join(r.pluginCacheDir(), ".plumb-init.lock"))
		if err != nil {
			return err
		}
		defer unlock()
	}
	// init's progress does not belong in the run log; its errors come back
	// in err.
	w.tf.SetStdout(io.Discard)
	err := w.tf.Init(ctx, tfexec.Upgrade(false))
	w.tf.SetStdout(w.log)
	if err != nil {
		return err
	}
	if !w.lockCommitted {
		if err := copyFile(repoLock, savedLock); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return os.WriteFile(fpPath, []byte(fingerprint), 0o600)
}

// tofuLocksCache is the first OpenTofu release whose init locks each
// provider in the shared plugin cache while installing it (1.10.0 added the
// lock, 1.10.5 fixed its contention errors). Terraform has no such lock.
var tofuLocksCache = version.Must(version.NewVersion("1.10.5"))

// locksPluginCache says whether bin's init serialises its own writes to
// the shared plugin cache, so concurrent inits need no lock from plumb.
func locksPluginCache(bin engine.Binary) bool {
	return bin.Engine == plumb.EngineTofu && bin.Version != nil && bin.Version.Core().GreaterThanOrEqual(tofuLocksCache)
}

// reinit forgets the init fingerprint, for when the engine says init is needed.
func (r *Runner) reinit(ctx context.Context, w *workdir, log io.Writer) error {
	_ = os.Remove(filepath.Join(w.dataDir, "init.fingerprint"))
	return r.init(ctx, w, log)
}
