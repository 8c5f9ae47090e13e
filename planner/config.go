package planner

import (
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
	"gopkg.in/yaml.v3"

	"github.com/plumbhq/plumb"
)

// ConfigFile is plumb's configuration file at the root of a repository.
const ConfigFile = "plumb.yaml"

// DefaultWhenModified are the globs, relative to a project's dir, whose
// changes affect the project unless plumb.yaml lists others.
var DefaultWhenModified = []string{
	"**/*.tf", "**/*.tofu", "**/*.tf.json", "**/*.tofu.json",
	"**/*.tfvars", "**/*.tfvars.json", ".terraform.lock.hcl",
}

// Config is a parsed plumb.yaml with defaults applied.
type Config struct {
	File         string
	Projects     []plumb.Project // configured projects, in file order
	Environments []string        // promotion order
	Autodiscover bool            // whether unlisted directories become projects
	Ignore       []string        // globs of directories never discovered
	Policies     []PolicySet     // policies:, in file order (policies.go)

	pos        map[string]*yaml.Node // JSON pointer → node, for error locations
	policyFile bool                  // a server's policy file: paths are relative to it
}

// rawConfig mirrors the file; the schema has already checked its types.
type rawConfig struct {
	Projects     []rawProject `yaml:"projects"`
	Environments []string     `yaml:"environments"`
	Policies     []PolicySet  `yaml:"policies"`
	Autodiscover *struct {
		Enabled *bool    `yaml:"enabled"`
		Ignore  []string `yaml:"ignore"`
	} `yaml:"autodiscover"`
}

type rawProject struct {
	Name              string   `yaml:"name"`
	Dir               string   `yaml:"dir"`
	Workspace         string   `yaml:"workspace"`
	Engine            string   `yaml:"engine"`
	Version           string   `yaml:"version"`
	WhenModified      []string `yaml:"when_modified"`
	DependsOn         []string `yaml:"depends_on"`
	Environment       string   `yaml:"environment"`
	Autoplan          *bool    `yaml:"autoplan"`
	ApplyRequirements []string `yaml:"apply_requirements"`
	ApplyOnPush       bool     `yaml:"apply_on_push"`
	Workflow          string   `yaml:"workflow"`
	Drift             *struct {
		Enabled   *bool  `yaml:"enabled"`
		Schedule  string `yaml:"schedule"`
		Remediate string `yaml:"remediate"`
	} `yaml:"drift"`
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// ParseConfig parses plumb.yaml. It returns every problem it finds, each
// located in file; the Config is nil when any is found.
func ParseConfig(file string, data []byte) (*Config, ConfigErrors) {
	c, doc, errs := parseDoc(file, data, "empty file: start it with `version: 1`", nil)
	if errs != nil {
		return nil, errs
	}
	var raw rawConfig
	if err := doc.Decode(&raw); err != nil {
		return nil, ConfigErrors{{File: file, Message: err.Error()}}
	}
	errs = c.build(&raw)
	if len(errs) > 0 {
		errs.sort()
		return nil, errs
	}
	return c, nil
}

// parseDoc reads data and checks it against the schema, after top (if
// set) has checked and adjusted the document's value: the server's policy
// file is checked as a plumb.yaml that has only policies (policyfile.go).
func parseDoc(file string, data []byte, empty string, top func(*Config, any) (any, ConfigErrors)) (*Config, *yaml.Node, ConfigErrors) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		e := ConfigError{File: file, Message: strings.TrimPrefix(err.Error(), "yaml: ")}
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			e.Line, _ = strconv.Atoi(m[1])
			e.Col, e.Message = 1, m[2]
		}
		return nil, nil, ConfigErrors{e}
	}
	c := &Config{File: file, pos: map[string]*yaml.Node{}}
	yv := &yamlValue{pos: c.pos}
	v, ok := yv.convert(&doc, nil, 0)
	if !ok {
		return nil, nil, ConfigErrors{{File: file, Line: 1, Col: 1, Message: "file too large or too deeply nested (aliases?)"}}
	}
	if doc.Kind == 0 || v == nil {
		return nil, nil, ConfigErrors{{File: file, Line: 1, Col: 1, Message: empty}}
	}
	var errs ConfigErrors
	if top != nil {
		if v, errs = top(c, v); v == nil {
			return nil, nil, errs
		}
	}
	cs, err := compiled()
	if err != nil {
		return nil, nil, ConfigErrors{{File: file, Message: err.Error()}}
	}
	for _, se := range cs.validate(v) {
		errs = append(errs, c.errAt(se.loc, "%s", se.msg))
	}
	errs = append(errs, c.unknownKeys(cs, v, cs.raw, nil)...)
	if len(errs) > 0 {
		errs.sort()
		return nil, nil, errs
	}
	return c, &doc, nil
}

// errAt builds an error at the node of loc, or of its nearest parent.
func (c *Config) errAt(loc []string, format string, args ...any) ConfigError {
	e := ConfigError{File: c.File, Path: keyPath(loc), Message: fmt.Sprintf(format, args...)}
	for i := len(loc); i >= 0; i-- {
		if n := c.pos[pointer(loc[:i])]; n != nil {
			e.Line, e.Col = n.Line, n.Column
			break
		}
	}
	return e
}

// unknownKeys reports keys the schema does not allow, suggesting the
// nearest allowed name.
func (c *Config) unknownKeys(cs *compiledSchema, v any, s map[string]any, loc []string) ConfigErrors {
	if s == nil {
		return nil
	}
	var errs ConfigErrors
	switch v := v.(type) {
	case map[string]any:
		props, closed := cs.properties(s)
		for _, k := range sortedKeys(v) {
			child := append(loc[:len(loc):len(loc)], k)
			ps, known := props[k]
			if !known && closed {
				e := c.errAt(child, "unknown key%s; allowed: %s", suggest(k, sortedKeys(props)), strings.Join(sortedKeys(props), ", "))
				if n := c.pos[pointer(child)+"#key"]; n != nil {
					e.Line, e.Col = n.Line, n.Column
				}
				errs = append(errs, e)
				continue
			}
			errs = append(errs, c.unknownKeys(cs, v[k], ps, child)...)
		}
	case []any:
		it := cs.items(s)
		for i, x := range v {
			errs = append(errs, c.unknownKeys(cs, x, it, append(loc[:len(loc):len(loc)], strconv.Itoa(i)))...)
		}
	}
	return errs
}

// build applies defaults and checks what a schema cannot: unique names,
// resolvable depends_on, known environments, valid globs, no cycles.
func (c *Config) build(raw *rawConfig) ConfigErrors {
	var errs ConfigErrors
	c.Environments = raw.Environments
	c.Autodiscover = len(raw.Projects) == 0
	if ad := raw.Autodiscover; ad != nil {
		if ad.Enabled != nil {
			c.Autodiscover = *ad.Enabled
		}
		c.Ignore = ad.Ignore
		for i, g := range ad.Ignore {
			if !doublestar.ValidatePattern(g) {
				errs = append(errs, c.errAt([]string{"autodiscover", "ignore", strconv.Itoa(i)}, "invalid glob %q", g))
			}
		}
	}
	names := map[string]int{}
	keys := map[string]int{}
	for i, rp := range raw.Projects {
		p, perrs := c.project(i, rp)
		errs = append(errs, perrs...)
		loc := []string{"projects", strconv.Itoa(i)}
		if j, dup := names[p.Name]; dup {
			errs = append(errs, c.errAt(append(loc, "name"), "duplicate project name %q (also projects[%d]): give each project a unique name", p.Name, j))
		}
		names[p.Name] = i
		key := p.Dir + "\x00" + p.Workspace
		if j, dup := keys[key]; dup {
			errs = append(errs, c.errAt(append(loc, "dir"), "dir %q with workspace %q is already projects[%d]", p.Dir, p.Workspace, j))
		}
		keys[key] = i
		c.Projects = append(c.Projects, p)
	}
	errs = append(errs, c.checkRefs(names)...)
	errs = append(errs, c.policies(raw.Policies)...)
	return errs
}

// project builds one configured project with its defaults.
func (c *Config) project(i int, rp rawProject) (plumb.Project, ConfigErrors) {
	var errs ConfigErrors
	loc := []string{"projects", strconv.Itoa(i)}
	at := func(key string, idx ...int) []string {
		l := append(loc[:2:2], key)
		for _, x := range idx {
			l = append(l, strconv.Itoa(x))
		}
		return l
	}
	dir, ok := cleanDir(rp.Dir)
	if !ok {
		errs = append(errs, c.errAt(at("dir"), "dir %q must be a relative path inside the repository", rp.Dir))
	}
	p := plumb.Project{
		Name: rp.Name, Dir: dir, Workspace: rp.Workspace, Engine: plumb.Engine(rp.Engine),
		Version: rp.Version, WhenModified: rp.WhenModified, DependsOn: rp.DependsOn,
		Environment: rp.Environment, Autoplan: true, ApplyRequirements: rp.ApplyRequirements, Drift: plumb.DriftConfig{Enabled: true},
		ApplyOnPush: rp.ApplyOnPush, Workflow: rp.Workflow, Modules: []string{},
	}
	if p.Name == "" {
		p.Name = dir
	}
	if p.Workspace == "" {
		p.Workspace = plumb.DefaultWorkspace
	}
	if p.Engine == "" {
		p.Engine = plumb.EngineTofu
	}
	if rp.WhenModified == nil {
		p.WhenModified = DefaultWhenModified
	}
	if rp.Autoplan != nil {
		p.Autoplan = *rp.Autoplan
	}
	if d := rp.Drift; d != nil {
		if d.Enabled != nil {
			p.Drift.Enabled = *d.Enabled
		}
		p.Drift.Schedule, p.Drift.Remediate = d.Schedule, d.Remediate
		if d.Schedule != "" {
			if _, err := ParseSchedule(d.Schedule); err != nil {
				errs = append(errs, c.errAt(append(at("drift"), "schedule"), "%v", err))
			}
		}
		switch d.Remediate {
		case "", plumb.RemediateOff, plumb.RemediateOutOfBand, plumb.RemediateAll:
		default:
			errs = append(errs, c.errAt(append(at("drift"), "remediate"), "remediate %q: use off, out_of_band or all", d.Remediate))
		}
	}
	for j, g := range p.WhenModified {
		if !doublestar.ValidatePattern(g) {
			errs = append(errs, c.errAt(at("when_modified", j), "invalid glob %q", g))
		}
	}
	if p.Environment != "" && len(c.Environments) > 0 && !contains(c.Environments, p.Environment) {
		errs = append(errs, c.errAt(at("environment"), "environment %q is not in environments%s; add it there or fix the name", p.Environment, suggest(p.Environment, c.Environments)))
	}
	return p, errs
}

// checkRefs checks depends_on names and reports each cycle once.
func (c *Config) checkRefs(names map[string]int) ConfigErrors {
	var errs ConfigErrors
	all := sortedKeys(names)
	for i, p := range c.Projects {
		for j, d := range p.DependsOn {
			loc := []string{"projects", strconv.Itoa(i), "depends_on", strconv.Itoa(j)}
			switch _, ok := names[d]; {
			case !ok:
				errs = append(errs, c.errAt(loc, "no project named %q%s", d, suggest(d, all)))
			case d == p.Name:
				errs = append(errs, c.errAt(loc, "project %q depends on itself", d))
			}
		}
	}
	if len(errs) > 0 {
		return errs
	}
	if cyc := findCycle(c.Projects); cyc != nil {
		i := names[cyc[0]]
		errs = append(errs, c.errAt([]string{"projects", strconv.Itoa(i), "depends_on"},
			"depends_on cycle: %s; remove one of these dependencies", strings.Join(cyc, " -> ")))
	}
	return errs
}

// cleanDir normalises a repo-relative directory; ok is false for absolute
// paths and paths that leave the repository.
func cleanDir(dir string) (string, bool) {
	d := path.Clean(strings.ReplaceAll(dir, "\\", "/"))
	if path.IsAbs(d) || d == ".." || strings.HasPrefix(d, "../") {
		return d, false
	}
	return d, true
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
