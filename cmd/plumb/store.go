package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"

	"github.com/spf13/pflag"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/engine"
	"github.com/plumbhq/plumb/store/postgres"
	"github.com/plumbhq/plumb/store/sqlite"
)

// dataDirName is the default data dir under a repo's top level.
const dataDirName = ".plumb"

// dataDirFor is --data-dir, else .plumb/ under repoRoot.
func (m *Main) dataDirFor(repoRoot string) string {
	if m.DataDir != "" {
		return m.DataDir
	}
	return filepath.Join(repoRoot, dataDirName)
}

// findEngines lists the engines in --bin-dir and on PATH (only the given
// ones, if any). With a data dir, their versions are remembered there until
// a binary changes, so a run starts no engine just to ask.
func (m *Main) findEngines(ctx context.Context, dataDir string, only ...plumb.Engine) []engine.Binary {
	s := engine.Search{Dirs: m.BinDirs, PATH: m.Getenv("PATH"), Only: only}
	if dataDir != "" {
		s.VersionCache = filepath.Join(dataDir, "engine-versions.json")
	}
	return engine.Find(ctx, s)
}

// engineReleases are the global flags for engines on demand: whether
// plumb downloads a project's engine when none installed matches, and
// from where. The key flags avoid the word KEY: a PLUMB_*KEY* variable
// counts as one of plumb's credentials (engine.CredentialsInEnv), and a
// public key is none.
type engineReleases struct {
	Download                       bool
	TerraformURL, TerraformPubkey  string
	TofuURL, TofuIndex, TofuPubkey string
}

// releaseFlags lists the flags' names, which a serve --config file may set too.
var releaseFlags = []string{"download-engines", "terraform-releases-url", "terraform-releases-pubkey",
	"tofu-releases-url", "tofu-releases-index", "tofu-releases-pubkey"}

func (r *engineReleases) flags(fs *pflag.FlagSet) {
	fs.BoolVar(&r.Download, "download-engines", true, "download, verify and cache in the data dir the engine version a project asks for when none installed matches")
	fs.StringVar(&r.TerraformURL, "terraform-releases-url", engine.DefaultTerraformURL, "Terraform releases, in releases.hashicorp.com's layout (a mirror for air-gapped installs)")
	fs.StringVar(&r.TerraformPubkey, "terraform-releases-pubkey", "", "OpenPGP public key file that signs the Terraform releases' SHA256SUMS (default: HashiCorp's, built in)")
	fs.StringVar(&r.TofuURL, "tofu-releases-url", engine.DefaultTofuURL, "OpenTofu releases, in its GitHub releases' layout: URL/v<version>/tofu_<version>_<os>_<arch>.zip")
	fs.StringVar(&r.TofuIndex, "tofu-releases-index", "", "OpenTofu's version list, in get.opentofu.org/tofu/api.json's format (default: that, or <tofu-releases-url>/api.json for a mirror)")
	fs.StringVar(&r.TofuPubkey, "tofu-releases-pubkey", "", "OpenPGP public key file that signs the OpenTofu releases' SHA256SUMS (.gpgsig); needed to download OpenTofu: plumb has no copy of OpenTofu's key")
}

// engineFetcher downloads engines into dataDir/engines as the release
// flags say; nil with --download-engines=false.
func (m *Main) engineFetcher(dataDir string) *engine.Fetcher {
	r := m.Releases
	if !r.Download {
		return nil
	}
	return &engine.Fetcher{
		Dir:       filepath.Join(dataDir, "engines"),
		Terraform: engine.Source{URL: r.TerraformURL, KeyFile: r.TerraformPubkey},
		Tofu:      engine.Source{URL: r.TofuURL, Index: r.TofuIndex, KeyFile: r.TofuPubkey},
		Logger:    m.Logger,
	}
}

// openStore opens the store: --database-url's PostgreSQL, else SQLite in
// the data dir (see dataDirFor), made 0700: it holds plans and state that
// may carry secrets. repoRoot may be empty with --data-dir or --database-url.
func (m *Main) openStore(ctx context.Context, repoRoot string) (plumb.Store, error) {
	if m.DatabaseURL != "" {
		m.plumbCredentials(m.DatabaseURL) // the redactor learns its forms
		return postgres.Open(ctx, m.DatabaseURL)
	}
	if m.DataDir == "" && repoRoot == "" {
		return nil, plumb.Errorf(plumb.EINVALID, "no data dir: pass --data-dir DIR or run inside a git repository")
	}
	dir := m.dataDirFor(repoRoot)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, plumb.Errorf(plumb.EINVALID, "data dir %s: %w", dir, err)
	}
	if m.DataDir == "" {
		// The default dir lives in the user's work tree: keep it out of git.
		ignore := filepath.Join(dir, ".gitignore")
		if _, err := os.Stat(ignore); errors.Is(err, os.ErrNotExist) {
			if err := os.WriteFile(ignore, []byte("# plumb's data dir: runs, plans and state; never commit it.\n*\n"), 0o600); err != nil {
				return nil, err
			}
		}
	}
	return sqlite.Open(ctx, filepath.Join(dir, "plumb.db"))
}

// storeRepoRoot finds the repo whose data dir a store verb uses: --repo,
// else the git repository holding the current directory. With --data-dir
// or --database-url no repository is needed.
func (m *Main) storeRepoRoot(repoDir string) (string, error) {
	if (m.DataDir != "" || m.DatabaseURL != "") && repoDir == "" {
		return "", nil
	}
	repo, err := openRepo(repoDir)
	if err != nil {
		return "", err
	}
	return repo.Root, nil
}
