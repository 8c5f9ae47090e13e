package planner

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/plumbhq/plumb"
)

// isTerraformFile reports whether a file, by its base name, can change what
// an engine plans: configuration (.tf, .tofu and their .json forms),
// variable values (.tfvars, .tfvars.json) and the provider lock file. These
// are the files whose change nobody expects to go unplanned. Test files
// (.tftest.hcl), docs and templates are not in the list: tests never reach
// a plan, and a template belongs to the module that reads it, so it is
// planned or unplanned with that module's own files.
func isTerraformFile(name string) bool {
	return configExt(name) != "" || name == ".terraform.lock.hcl" ||
		(strings.HasSuffix(name, ".tfvars") && len(name) > len(".tfvars")) ||
		(strings.HasSuffix(name, ".tfvars.json") && len(name) > len(".tfvars.json"))
}

// side is one path of a change and the commit it exists in.
type side struct {
	path   string
	atBase bool
}

func sides(c FileChange) []side {
	switch {
	case c.From == "":
		return []side{{c.To, false}}
	case c.To == "":
		return []side{{c.From, true}}
	case c.From != c.To:
		return []side{{c.From, true}, {c.To, false}}
	}
	return []side{{c.To, false}}
}

// unplanned lists, grouped by directory, the changed Terraform files that
// gave no project a reason (planned[i] is false) and do not belong to a
// project: plumb would otherwise drop them without a word. A file belongs
// to the nearest directory at or above it holding config files, at the
// commit the file exists in; a project's own files are left to its
// when_modified, and a removed project's files are already in
// Change.Removed.
func unplanned(base, head *Index, changes []FileChange, planned []bool) []plumb.Unplanned {
	byDir := map[string]*plumb.Unplanned{}
	for i, c := range changes {
		if planned[i] {
			continue
		}
		for _, s := range sides(c) {
			if !isTerraformFile(path.Base(s.path)) {
				continue
			}
			dir, reason := whyUnplanned(base, head, s)
			if reason == "" {
				continue
			}
			u := byDir[dir]
			if u == nil {
				u = &plumb.Unplanned{Dir: dir, Reason: reason}
				byDir[dir] = u
			}
			if !contains(u.Files, s.path) {
				u.Files = append(u.Files, s.path)
			}
		}
	}
	out := []plumb.Unplanned{}
	for _, dir := range sortedKeys(byDir) {
		sort.Strings(byDir[dir].Files)
		out = append(out, *byDir[dir])
	}
	return out
}

// whyUnplanned returns the directory a changed file belongs to and the rule
// that keeps it from every project's plan, or "" when the directory is (or
// was, for a removed project) a project.
func whyUnplanned(base, head *Index, s side) (string, string) {
	at := head
	if s.atBase {
		at = base
	}
	dir := ownerDir(at, s.path)
	if dir == "" {
		d := path.Dir(s.path)
		return d, fmt.Sprintf("%s has no .tf or .tofu files at or above it, and no project's when_modified matches", d)
	}
	// Judge a directory that still exists by head, where it will be
	// planned or not from now on; one that is gone, by base.
	idx := head
	if head.dirs[dir] == nil {
		idx = base
	}
	if idx.projectDirs[dir] {
		return dir, ""
	}
	if r := moduleReason(base, head, idx, dir); r != "" {
		return dir, r
	}
	switch cfg := idx.Config; {
	case idx.configBroken:
		return dir, fmt.Sprintf("%s is not discovered: %s is invalid", dir, ConfigFile)
	case cfg != nil && !cfg.Autodiscover:
		return dir, fmt.Sprintf("%s is not listed in %s and autodiscover is off", dir, ConfigFile)
	case ignored(cfg, dir) != "":
		return dir, fmt.Sprintf("%s is ignored by autodiscover.ignore %q in %s", dir, ignored(cfg, dir), ConfigFile)
	}
	// Discovery's rule 5: uncalled, with required variables and nothing
	// that marks a root module.
	return dir, fmt.Sprintf("module %s is called by no project", dir)
}

// moduleReason explains a module that no project of head reaches: its
// projects were removed or stopped calling it, a project calls it only from
// files its engine does not read, or only non-projects call it. It returns
// "" for a directory nothing calls.
func moduleReason(base, head, idx *Index, dir string) string {
	if users := base.users[dir]; len(users) > 0 {
		var names []string
		gone := true
		for _, i := range users {
			p := base.Projects[i]
			names = append(names, p.Name)
			j, kept := head.byName[p.Name]
			gone = gone && !(kept && head.Projects[j].Workspace == p.Workspace) && head.dirs[p.Dir] == nil
		}
		if gone {
			return fmt.Sprintf("module %s was called only by %s, removed in this change", dir, list(names))
		}
		return fmt.Sprintf("module %s is no longer called by any project (before this change: %s)", dir, list(names))
	}
	callers := idx.callers[dir]
	if len(callers) == 0 {
		return ""
	}
	// A project calling dir directly but not reaching it does so only from
	// files its engine skips (.tf overridden by .tofu, or .tofu under
	// Terraform).
	var skipped []string
	for _, p := range idx.Projects {
		if contains(callers, p.Dir) {
			skipped = append(skipped, fmt.Sprintf("%s calls it only from files %s does not read", p.Name, p.Engine))
		}
	}
	if len(skipped) > 0 {
		return fmt.Sprintf("module %s is called by no project: %s", dir, strings.Join(skipped, "; "))
	}
	return fmt.Sprintf("module %s is called by no project, only by %s", dir, describeCallers(callers))
}

// list joins up to three names, then counts the rest.
func list(names []string) string {
	sort.Strings(names)
	return describeCallers(names)
}
