package rootmod

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// BackendOverride is the file plumb writes into its own worktree (never the
// user's tree) so a project with no backend keeps its state in plumb's data
// dir and a plan and an apply in different worktrees see the same state.
const BackendOverride = "zz_plumb_backend_override.tf"

// Config is what a run needs to know about a root module before the
// engine reads it: whether it brings its own backend, which engine
// version it asks for, how its variables are typed, and a fingerprint of
// everything `init` depends on.
type Config struct {
	HasBackend      bool
	RequiredVersion string
	// VarTypes maps each declared variable to its type expression ("" when
	// untyped), so TF_VAR_* values reach the engine with env semantics.
	VarTypes map[string]string
	// SensitiveVars are the variables declared sensitive = true: their
	// TF_VAR_* values are secrets to scrub whatever the plan is read from.
	SensitiveVars []string
	// InitInputs hashes the terraform and module blocks of the root and its
	// local modules: when it is unchanged, `init` would do nothing new.
	InitInputs string
}

var topSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
	{Type: "terraform"},
	{Type: "variable", LabelNames: []string{"name"}},
	{Type: "module", LabelNames: []string{"name"}},
}}

var terraformSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "required_version"}},
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "backend", LabelNames: []string{"type"}},
		{Type: "cloud"},
	},
}

var variableSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "type"}, {Name: "sensitive"}}}

// configFiles lists the configuration files of dir the engine reads, in
// name order; for OpenTofu a .tofu file hides the .tf file of the same name.
func configFiles(dir string, tofu bool) []string {
	entries, _ := os.ReadDir(dir)
	var names []string
	has := map[string]bool{}
	for _, e := range entries {
		if !e.IsDir() {
			has[e.Name()] = true
		}
	}
	for name := range has {
		switch {
		case strings.HasSuffix(name, ".tofu"), strings.HasSuffix(name, ".tofu.json"):
			if tofu {
				names = append(names, name)
			}
		case strings.HasSuffix(name, ".tf.json"):
			if !(tofu && has[strings.TrimSuffix(name, ".tf.json")+".tofu.json"]) {
				names = append(names, name)
			}
		case strings.HasSuffix(name, ".tf"):
			if !(tofu && has[strings.TrimSuffix(name, ".tf")+".tofu"]) {
				names = append(names, name)
			}
		}
	}
	sort.Strings(names)
	return names
}

// Read reads the root module in dir and the local module dirs it
// calls. Files that do not parse are hashed whole and otherwise skipped:
// the engine reports them properly.
func Read(dir string, moduleDirs []string, tofu bool) Config {
	cfg := Config{VarTypes: map[string]string{}}
	h := sha256.New()
	p := hclparse.NewParser()
	for i, d := range append([]string{dir}, moduleDirs...) {
		root := i == 0
		for _, name := range configFiles(d, tofu) {
			if root && name == BackendOverride {
				continue // plumb's own, left by an earlier run in this worktree: not the project's backend
			}
			path := filepath.Join(d, name)
			src, err := os.ReadFile(path)
			if err != nil {
				continue
			}
			var f *hcl.File
			var diags hcl.Diagnostics
			if strings.HasSuffix(name, ".json") {
				f, diags = p.ParseJSON(src, path)
			} else {
				f, diags = p.ParseHCL(src, path)
			}
			// Relative names: the worktree path changes with every commit.
			rel, _ := filepath.Rel(dir, path)
			h.Write([]byte(filepath.ToSlash(rel)))
			if diags.HasErrors() || f == nil {
				h.Write(src)
				continue
			}
			hashInitBlocks(h.Write, f, src)
			if root {
				cfg.readTop(f, src)
			}
		}
	}
	cfg.InitInputs = hex.EncodeToString(h.Sum(nil))
	return cfg
}

// hashInitBlocks feeds the source of the blocks init depends on to write:
// the exact block text for native syntax, the whole file for JSON.
func hashInitBlocks(write func([]byte) (int, error), f *hcl.File, src []byte) {
	body, ok := f.Body.(*hclsyntax.Body)
	if !ok {
		write(src)
		return
	}
	for _, b := range body.Blocks {
		if b.Type == "terraform" || b.Type == "module" {
			r := b.Range()
			write(src[r.Start.Byte:r.End.Byte])
		}
	}
}

func (cfg *Config) readTop(f *hcl.File, src []byte) {
	content, _, _ := f.Body.PartialContent(topSchema)
	if content == nil {
		return
	}
	for _, b := range content.Blocks {
		switch b.Type {
		case "terraform":
			tc, _, _ := b.Body.PartialContent(terraformSchema)
			if tc == nil {
				continue
			}
			if len(tc.Blocks) > 0 {
				cfg.HasBackend = true
			}
			if a, ok := tc.Attributes["required_version"]; ok {
				if v, diags := a.Expr.Value(nil); !diags.HasErrors() && v.Type() == cty.String && v.IsKnown() && !v.IsNull() {
					cfg.RequiredVersion = v.AsString()
				}
			}
		case "variable":
			vc, _, _ := b.Body.PartialContent(variableSchema)
			typ := ""
			if vc != nil {
				if a, ok := vc.Attributes["type"]; ok {
					r := a.Expr.Range()
					if r.End.Byte <= len(src) && r.Start.Byte < r.End.Byte {
						typ = string(src[r.Start.Byte:r.End.Byte])
					} else {
						typ = "any"
					}
				}
				if a, ok := vc.Attributes["sensitive"]; ok {
					if v, diags := a.Expr.Value(nil); !diags.HasErrors() && v.Type() == cty.Bool && v.IsKnown() && !v.IsNull() && v.True() {
						cfg.SensitiveVars = append(cfg.SensitiveVars, b.Labels[0])
					}
				}
			}
			cfg.VarTypes[b.Labels[0]] = typ
		}
	}
}
