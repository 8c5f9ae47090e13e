package testenv

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Tools are the paths `make tools` (scripts/tools.sh) installs.
type Tools struct {
	Dir       string // the tools dir, $PLUMB_TOOLS_DIR or <repo>/.tools
	BinDir    string // the default tofu and terraform, first on PATH in Env
	Tofu      string // OpenTofu 1.10.6, the default (DefaultTofu)
	Terraform string // HashiCorp Terraform 1.5.7
	// EnginesDir holds every engine in Engines as <engine>_<version>: as
	// plumb's --bin-dir it makes all of them selectable by a project's
	// version constraint, while PATH alone still gives the defaults.
	EnginesDir string
	Mirror     string // filesystem provider mirror for both registry hosts
	CLIConfig  string // CLI config using only Mirror; TF_CLI_CONFIG_FILE
}

// Load returns the installed tools. It skips the test when they are missing,
// or fails it when CI=true.
func Load(t testing.TB) Tools {
	t.Helper()
	dir := os.Getenv("PLUMB_TOOLS_DIR")
	if dir == "" {
		dir = filepath.Join(RepoRoot(t), ".tools")
	}
	tl := Tools{
		Dir:        dir,
		BinDir:     filepath.Join(dir, "bin"),
		Tofu:       filepath.Join(dir, "bin", "tofu"),
		Terraform:  filepath.Join(dir, "bin", "terraform"),
		EnginesDir: filepath.Join(dir, "engines"),
		Mirror:     filepath.Join(dir, "mirror"),
		CLIConfig:  filepath.Join(dir, "terraformrc"),
	}
	for _, p := range []string{tl.Tofu, tl.Terraform, tl.Mirror, tl.CLIConfig} {
		if _, err := os.Stat(p); err != nil {
			missing(t, "tools not installed ("+p+" is missing): run `make tools` first")
		}
	}
	// Stat every mirrored provider so `go test`'s result cache notices a
	// rebuilt provider (it re-checks the files a test looked at).
	providers, _ := filepath.Glob(filepath.Join(tl.Mirror, "*", "*", "*", "*", "*", "terraform-provider-*"))
	for _, p := range providers {
		os.Stat(p)
	}
	return tl
}

// Engine is one engine binary `make tools` builds.
type Engine struct {
	Name    string // "tofu" or "terraform", as plumb.yaml's engine: says
	Version string // exact, as the binary reports it
}

// Engines lists every engine scripts/tools.sh builds (TOFU_VERSIONS and
// TERRAFORM_VERSION there): tests that must hold on each engine range over
// it. TestEnginesMatchTools fails when the two lists part.
var Engines = []Engine{
	{"tofu", "1.10.6"},
	{"tofu", "1.12.6"},
	{"terraform", "1.5.7"},
}

// DefaultTofu is the OpenTofu on PATH (bin/tofu): what a project with no
// version constraint gets when plumb searches PATH only.
var DefaultTofu = Engines[0]

// File is the engine's name under EnginesDir, e.g. tofu_1.12.6: the name
// engine.Find recognises as one of several versions in one directory.
func (e Engine) File() string { return e.Name + "_" + e.Version }

// Reports is the first line of the binary's `version` output.
func (e Engine) Reports() string {
	product := "OpenTofu"
	if e.Name == "terraform" {
		product = "Terraform"
	}
	return product + " v" + e.Version
}

// Path returns e's binary under EnginesDir. It skips the test when the
// binary is missing (tools from before e was added: run `make tools`), or
// fails it when CI=true.
func (tl Tools) Path(t testing.TB, e Engine) string {
	t.Helper()
	p := filepath.Join(tl.EnginesDir, e.File())
	if _, err := os.Stat(p); err != nil {
		missing(t, "engine "+e.File()+" not installed ("+p+" is missing): run `make tools` first")
	}
	return p
}

// missing skips, or fails under CI=true, where a skip would hide a broken setup.
func missing(t testing.TB, reason string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(reason)
	}
	t.Skip(reason)
}

// Env is the environment for engine processes: the tools first on PATH, the
// offline CLI config, no prompts or update checks, and a private HOME so a
// developer's ~/.terraformrc or plugin cache never leaks in. Any TF_* variable
// from the caller's environment is dropped.
func Env(t testing.TB) []string {
	t.Helper()
	tl := Load(t)
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "TF_") || k == "PATH" || k == "HOME" || k == "CHECKPOINT_DISABLE" {
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"PATH="+tl.BinDir+string(os.PathListSeparator)+os.Getenv("PATH"),
		"HOME="+t.TempDir(),
		"TF_CLI_CONFIG_FILE="+tl.CLIConfig,
		"TF_IN_AUTOMATION=1",
		"TF_INPUT=0",
		"CHECKPOINT_DISABLE=1",
		"PLUMB_TOOLS_DIR="+tl.Dir,
	)
}

var root struct {
	once sync.Once
	dir  string
	err  string
}

// RepoRoot is the directory holding plumb's go.mod, found by walking up from
// the test's working directory (its package directory).
func RepoRoot(t testing.TB) string {
	t.Helper()
	root.once.Do(func() {
		dir, err := os.Getwd()
		if err != nil {
			root.err = "testenv: working directory: " + err.Error()
			return
		}
		for {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				root.dir = dir
				return
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				root.err = "testenv: no go.mod above the test's directory; run tests from inside the plumb repo"
				return
			}
			dir = parent
		}
	})
	if root.err != "" {
		t.Fatal(root.err)
	}
	return root.dir
}
