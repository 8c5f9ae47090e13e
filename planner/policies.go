package planner

import (
	"strconv"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/plumbhq/plumb"
)

// PolicySet is one entry of plumb.yaml's policies: Rego policies, read at
// the planned commit, that every plan of the projects it applies to is
// checked against.
type PolicySet struct {
	Name         string   `yaml:"name"`
	Dirs         []string `yaml:"dirs"`
	Data         []string `yaml:"data"`
	Namespaces   []string `yaml:"namespaces"`
	Environments []string `yaml:"environments"`
	Projects     []string `yaml:"projects"` // doublestar globs of project names
}

// Applies reports whether the set checks project p: every project, unless
// environments or projects narrow it (both must match when both are set).
func (s PolicySet) Applies(p plumb.Project) bool {
	if len(s.Environments) > 0 && !contains(s.Environments, p.Environment) {
		return false
	}
	if len(s.Projects) == 0 {
		return true
	}
	for _, g := range s.Projects {
		if ok, _ := doublestar.Match(g, p.Name); ok {
			return true
		}
	}
	return false
}

// policies checks what the schema cannot: dirs and data stay inside the
// repo, globs parse, environments are known; and names each set.
func (c *Config) policies(sets []PolicySet) ConfigErrors {
	var errs ConfigErrors
	where := "the repository: give it relative to the repo root"
	if c.policyFile {
		where = "the directory of " + c.File + ": give it relative to that directory"
	}
	for i, s := range sets {
		loc := []string{"policies", strconv.Itoa(i)}
		for _, field := range []struct {
			name  string
			paths []string
		}{{"dirs", s.Dirs}, {"data", s.Data}} {
			for j, d := range field.paths {
				clean, ok := cleanDir(d)
				if !ok {
					errs = append(errs, c.errAt(append(loc, field.name, strconv.Itoa(j)), "%q is not a path inside %s", d, where))
					continue
				}
				field.paths[j] = clean
			}
		}
		for j, g := range s.Projects {
			if !doublestar.ValidatePattern(g) {
				errs = append(errs, c.errAt(append(loc, "projects", strconv.Itoa(j)), "invalid glob %q", g))
			}
		}
		for j, e := range s.Environments {
			if len(c.Environments) > 0 && !contains(c.Environments, e) {
				errs = append(errs, c.errAt(append(loc, "environments", strconv.Itoa(j)), "environment %q is not in environments%s", e, suggest(e, c.Environments)))
			}
		}
		if s.Name == "" && len(s.Dirs) > 0 {
			s.Name = s.Dirs[0]
		}
		c.Policies = append(c.Policies, s)
	}
	return errs
}
