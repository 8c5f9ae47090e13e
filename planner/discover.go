package planner

import (
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/plumbhq/plumb"
)

// Decision records whether a directory holding Terraform or OpenTofu files
// is a project, and why (plumb projects --explain).
type Decision struct {
	Dir     string `json:"dir"`
	Project string `json:"project,omitempty"` // the project's name, when it is one
	Reason  string `json:"reason"`
}

// discover builds the project list: the configured projects, then, when
// autodiscovery is on, every directory that is a root module. The rule:
//
//  1. a directory listed in plumb.yaml is a project (configured wins);
//  2. with autodiscovery off, no other directory is;
//  3. a directory under an autodiscover.ignore glob is not;
//  4. a directory another directory calls as a local module is not;
//  5. an uncalled directory is a library module, not a project, when it has
//     required variables and no values for them (*.tfvars), no backend, no
//     provider configuration and no lock file;
//  6. any other directory is a project.
//
// A path alone decides nothing: roots under modules/ are common.
func (idx *Index) discover(fsys fs.FS) ConfigErrors {
	cfg := idx.Config
	errs := idx.configuredProjects(fsys)
	configured := map[string]string{}
	taken := map[string]bool{}
	for _, p := range idx.Projects {
		if _, ok := configured[p.Dir]; !ok {
			configured[p.Dir] = p.Name
		}
		taken[p.Name] = true
	}
	callers := idx.callerDirs()
	idx.callers = callers
	for _, dir := range sortedKeys(idx.dirs) {
		d := Decision{Dir: dir}
		switch name, ok := configured[dir]; {
		case ok:
			d.Project, d.Reason = name, "configured in "+ConfigFile
		case idx.configBroken:
			d.Reason = ConfigFile + " is invalid: fix it to discover projects"
		case cfg != nil && !cfg.Autodiscover:
			d.Reason = "not listed in " + ConfigFile + " and autodiscover is off"
		case ignored(cfg, dir) != "":
			d.Reason = fmt.Sprintf("matches autodiscover.ignore %q", ignored(cfg, dir))
		case len(callers[dir]) > 0:
			d.Reason = "called as a module by " + describeCallers(callers[dir])
		default:
			root, why := idx.dirs[dir].rootModule()
			d.Reason = why
			if root {
				d.Project = discoveredName(dir, taken)
				taken[d.Project] = true
				idx.Projects = append(idx.Projects, discovered(dir, d.Project))
			}
		}
		idx.Decisions = append(idx.Decisions, d)
	}
	return errs
}

// configuredProjects adds plumb.yaml's projects, checking each dir exists.
func (idx *Index) configuredProjects(fsys fs.FS) ConfigErrors {
	if idx.Config == nil {
		return nil
	}
	var errs ConfigErrors
	for i, p := range idx.Config.Projects {
		if idx.dirs[p.Dir] == nil {
			loc := []string{"projects", strconv.Itoa(i), "dir"}
			msg := fmt.Sprintf("dir %q does not exist at this commit; fix the path or remove the project", p.Dir)
			if info, err := fs.Stat(fsys, p.Dir); err == nil && info.IsDir() {
				msg = fmt.Sprintf("dir %q has no .tf or .tofu files", p.Dir)
			}
			errs = append(errs, idx.Config.errAt(loc, "%s", msg))
			continue
		}
		p.Modules = []string{}
		idx.Projects = append(idx.Projects, p)
	}
	return errs
}

// rootModule applies rules 5 and 6 to an uncalled directory.
func (s *dirScan) rootModule() (bool, string) {
	var signs []string
	if s.backend {
		signs = append(signs, "a backend")
	}
	if s.providers {
		signs = append(signs, "provider configuration")
	}
	if s.lockFile {
		signs = append(signs, "a lock file")
	}
	if s.requiredVars && s.tfvars {
		signs = append(signs, "values for its variables")
	}
	switch {
	case len(signs) > 0:
		return true, "root module: uncalled, has " + strings.Join(signs, ", ")
	case !s.requiredVars:
		return true, "root module: uncalled, no required variables"
	}
	return false, "library module: uncalled, but has required variables without values, no backend, no provider configuration, no lock file"
}

func (idx *Index) callerDirs() map[string][]string {
	callers := map[string][]string{}
	for _, dir := range sortedKeys(idx.edges) {
		for _, e := range idx.edges[dir] {
			if e.exists {
				callers[e.target] = append(callers[e.target], dir)
			}
		}
	}
	return callers
}

func describeCallers(cs []string) string {
	if len(cs) <= 3 {
		return strings.Join(cs, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(cs[:3], ", "), len(cs)-3)
}

func ignored(cfg *Config, dir string) string {
	if cfg == nil {
		return ""
	}
	for _, g := range cfg.Ignore {
		if ok, _ := doublestar.Match(g, dir); ok {
			return g
		}
		if ok, _ := doublestar.Match(strings.TrimSuffix(g, "/**"), dir); ok {
			return g
		}
	}
	return ""
}

// discoveredName names a discovered project after its dir ("root" for the
// repository root), unless a configured project took that name.
func discoveredName(dir string, taken map[string]bool) string {
	name := dir
	if dir == "." {
		name = "root"
	}
	for i := 2; taken[name]; i++ {
		name = fmt.Sprintf("%s-%d", dir, i)
	}
	return name
}

func discovered(dir, name string) plumb.Project {
	return plumb.Project{
		Name: name, Dir: dir, Workspace: plumb.DefaultWorkspace, Engine: plumb.EngineTofu,
		WhenModified: DefaultWhenModified, Autoplan: true, Modules: []string{}, Discovered: true,
		Drift: plumb.DriftConfig{Enabled: true},
	}
}
