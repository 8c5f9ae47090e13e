package planner

import (
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	hcljson "github.com/hashicorp/hcl/v2/json"
	"github.com/zclconf/go-cty/cty"
)

// Engine views of a directory: OpenTofu reads .tofu files and lets them
// override same-named .tf files; Terraform ignores .tofu files.
const (
	viewTofu = 1 << iota
	viewTerraform
	viewAll = viewTofu | viewTerraform
)

// dirScan is what the planner needs from one directory's files. It holds no
// AST and no paths above the directory, so a scan is reusable wherever a
// tree with the same hash appears.
type dirScan struct {
	files        []string // Terraform/OpenTofu config files, base names
	calls        []moduleCall
	backend      bool // terraform { backend | cloud }
	providers    bool // provider blocks
	requiredVars bool // a variable without a default
	tfvars       bool // terraform.tfvars or *.auto.tfvars(.json)
	lockFile     bool
	errs         []ConfigError // File is a base name; the caller prefixes the dir
}

type moduleCall struct {
	name, source string
	file         string
	line, col    int
	views        int
}

var fileSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
	{Type: "module", LabelNames: []string{"name"}},
	{Type: "terraform"},
	{Type: "provider", LabelNames: []string{"name"}},
	{Type: "variable", LabelNames: []string{"name"}},
}}

var (
	moduleSchema    = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "source"}}}
	terraformSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "backend", LabelNames: []string{"type"}}, {Type: "cloud"}}}
	variableSchema  = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "default"}}}
)

// configExts are the config file suffixes, longest first so ".tf.json"
// is not taken for ".json".
var configExts = []string{".tofu.json", ".tf.json", ".tofu", ".tf"}

func configExt(name string) string {
	for _, e := range configExts {
		if strings.HasSuffix(name, e) && len(name) > len(e) {
			return e
		}
	}
	return ""
}

// classify records the non-config files of a directory that matter to
// discovery and returns whether name is a config file.
func (s *dirScan) classify(name string) bool {
	switch {
	case name == ".terraform.lock.hcl":
		s.lockFile = true
	case name == "terraform.tfvars" || name == "terraform.tfvars.json" ||
		strings.HasSuffix(name, ".auto.tfvars") || strings.HasSuffix(name, ".auto.tfvars.json"):
		s.tfvars = true
	}
	return configExt(name) != ""
}

// views says which engines read file, given its siblings.
func views(file string, names map[string]bool) int {
	switch ext := configExt(file); ext {
	case ".tofu", ".tofu.json":
		return viewTofu
	case ".tf":
		if names[strings.TrimSuffix(file, ".tf")+".tofu"] {
			return viewTerraform
		}
	case ".tf.json":
		if names[strings.TrimSuffix(file, ".tf.json")+".tofu.json"] {
			return viewTerraform
		}
	}
	return viewAll
}

// scanDir parses the config files of dir.
func scanDir(fsys fs.FS, dir string, s *dirScan) {
	names := map[string]bool{}
	for _, f := range s.files {
		names[f] = true
	}
	for _, f := range s.files {
		src, err := fs.ReadFile(fsys, path.Join(dir, f))
		if err != nil {
			s.errs = append(s.errs, ConfigError{File: f, Message: fmt.Sprintf("read: %v", err)})
			continue
		}
		s.scanFile(f, src, views(f, names))
	}
}

// scanFile extracts module calls and root-module signals from one file.
// HCL errors are recorded, never fatal; a panic in a parser on hostile input
// becomes an error too.
func (s *dirScan) scanFile(name string, src []byte, view int) {
	defer func() {
		if r := recover(); r != nil {
			s.errs = append(s.errs, ConfigError{File: name, Message: fmt.Sprintf("cannot parse: %v", r)})
		}
	}()
	var file *hcl.File
	var diags hcl.Diagnostics
	if strings.HasSuffix(name, ".json") {
		file, diags = hcljson.Parse(src, name)
	} else {
		file, diags = hclsyntax.ParseConfig(src, name, hcl.InitialPos)
	}
	s.addDiags(diags)
	if file == nil || file.Body == nil {
		return
	}
	content, _, diags := file.Body.PartialContent(fileSchema)
	s.addDiags(diags)
	for _, b := range content.Blocks {
		switch b.Type {
		case "module":
			s.moduleBlock(name, b, view)
		case "terraform":
			c, _, _ := b.Body.PartialContent(terraformSchema)
			s.backend = s.backend || (c != nil && len(c.Blocks) > 0)
		case "provider":
			s.providers = true
		case "variable":
			c, _, _ := b.Body.PartialContent(variableSchema)
			if c != nil && c.Attributes["default"] == nil {
				s.requiredVars = true
			}
		}
	}
}

func (s *dirScan) moduleBlock(file string, b *hcl.Block, view int) {
	name := b.Labels[0]
	c, _, diags := b.Body.PartialContent(moduleSchema)
	s.addDiags(diags)
	if c == nil {
		return
	}
	attr := c.Attributes["source"]
	if attr == nil {
		return // HCL already reported the missing argument, if the body is HCL
	}
	r := attr.Expr.Range()
	v, diags := attr.Expr.Value(nil)
	if diags.HasErrors() || v.IsNull() || !v.IsKnown() || v.Type() != cty.String {
		s.errs = append(s.errs, ConfigError{File: file, Line: r.Start.Line, Col: r.Start.Column,
			Path: "module." + name + ".source", Message: "must be a literal string"})
		return
	}
	s.calls = append(s.calls, moduleCall{name: name, source: v.AsString(), file: file, line: r.Start.Line, col: r.Start.Column, views: view})
}

// addDiags keeps the first few errors of a file: one broken file must not
// flood the output.
func (s *dirScan) addDiags(diags hcl.Diagnostics) {
	n := 0
	for _, d := range diags {
		if d.Severity != hcl.DiagError || n >= 3 {
			continue
		}
		n++
		e := ConfigError{Message: d.Summary}
		if d.Detail != "" {
			e.Message += ": " + d.Detail
		}
		if d.Subject != nil {
			e.File, e.Line, e.Col = d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column
		}
		s.errs = append(s.errs, e)
	}
}
