package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/hc-install/fs"
	"github.com/hashicorp/hc-install/product"

	"github.com/plumbhq/plumb"
)

// products are the engines plumb runs. hc-install knows Terraform but not
// OpenTofu, so both are defined here with one version getter.
var products = map[plumb.Engine]*product.Product{
	plumb.EngineTofu:      {Name: "tofu", BinaryName: func() string { return "tofu" }, GetVersion: binaryVersion},
	plumb.EngineTerraform: {Name: "terraform", BinaryName: func() string { return "terraform" }, GetVersion: binaryVersion},
}

// binaryVersion asks a binary for its version. Both engines answer
// `version -json` with {"terraform_version": "..."}.
func binaryVersion(ctx context.Context, path string) (*version.Version, error) {
	cmd := exec.CommandContext(ctx, path, "version", "-json")
	cmd.Env = probeEnv(os.Environ()) // the binary is an engine: no plumb credentials
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s version -json: %w", path, err)
	}
	var v struct {
		Version string `json:"terraform_version"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		return nil, fmt.Errorf("%s version -json: %w", path, err)
	}
	return version.NewVersion(v.Version)
}

// Binary is one installed engine.
type Binary struct {
	Engine  plumb.Engine     `json:"engine"`
	Version *version.Version `json:"-"`
	Path    string           `json:"path"`
}

// VersionString is the version without a leading "v".
func (b Binary) VersionString() string { return b.Version.String() }

// Search says where Find looks.
type Search struct {
	Dirs []string // plumb's bin dirs, searched first
	PATH string   // then these PATH entries
	// Only, if set, limits the search to these engines: asking a binary its
	// version starts it, which costs a noticeable fraction of a second.
	Only []plumb.Engine
	// VersionCache, if set, is a file that remembers each binary's version
	// until the binary changes, so a run starts none just to ask.
	VersionCache string
}

// Find lists every engine binary in s.Dirs and then in s.PATH,
// named tofu, terraform, or tofu_<version> / terraform_<version> (so one
// bin dir can hold several versions). Shadowed duplicates of the same path
// are listed once; unusable binaries are skipped.
func Find(ctx context.Context, s Search) []Binary {
	var found []Binary
	seen := map[string]bool{}
	cache := loadVersionCache(s.VersionCache)
	search := append(append([]string{}, s.Dirs...), filepath.SplitList(s.PATH)...)
	for _, dir := range search {
		if dir == "" {
			continue
		}
		abs, err := filepath.Abs(dir)
		if err != nil {
			continue
		}
		for engine, p := range products {
			if len(s.Only) > 0 && !slices.Contains(s.Only, engine) {
				continue
			}
			for _, path := range candidates(abs, string(engine)) {
				real, err := filepath.EvalSymlinks(path)
				if err != nil || seen[real] {
					continue
				}
				seen[real] = true
				v, stamp := cache.get(real)
				if v == nil {
					// hc-install checks the file is an executable binary.
					if _, err := (&fs.AnyVersion{ExactBinPath: path}).Find(ctx); err != nil {
						continue
					}
					if v, err = p.GetVersion(ctx, path); err != nil {
						continue
					}
					cache.put(real, stamp, v)
				}
				found = append(found, Binary{Engine: engine, Version: v, Path: path})
			}
		}
	}
	cache.save()
	return found
}

func candidates(dir, name string) []string {
	out := []string{filepath.Join(dir, name)}
	versioned, _ := filepath.Glob(filepath.Join(dir, name+"_*"))
	sort.Strings(versioned)
	return append(out, versioned...)
}

// Select picks the newest installed binary of engine that satisfies
// constraint (any version when constraint is empty). The error names the
// constraint and what is installed.
func Select(bins []Binary, engine plumb.Engine, constraint string) (Binary, error) {
	var cs version.Constraints
	if strings.TrimSpace(constraint) != "" {
		var err error
		if cs, err = version.NewConstraint(constraint); err != nil {
			return Binary{}, plumb.Errorf(plumb.EINVALID, "version constraint %q: %v", constraint, err)
		}
	}
	var best *Binary
	var have []string
	for i, b := range bins {
		if b.Engine != engine {
			continue
		}
		have = append(have, b.Version.String()+" ("+b.Path+")")
		if cs != nil && !cs.Check(b.Version.Core()) {
			continue
		}
		if best == nil || b.Version.GreaterThan(best.Version) {
			best = &bins[i]
		}
	}
	if best != nil {
		return *best, nil
	}
	if len(have) == 0 {
		return Binary{}, plumb.Errorf(plumb.ENOTFOUND, "no %s binary found on PATH or in --bin-dir; run `make tools` and `. .tools/env.sh`, or install %s", engine, engine)
	}
	return Binary{}, plumb.Errorf(plumb.ENOTFOUND, "no installed %s satisfies %q; installed: %s", engine, constraint, strings.Join(have, ", "))
}
