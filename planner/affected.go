package planner

import (
	"fmt"
	"path"
	"reflect"
	"sort"
	"strings"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/plumbhq/plumb"
)

// FileChange is one changed path between two commits: From is "" for an
// added file, To is "" for a deleted one, both are set (and differ) for a
// rename, and are equal for a modification.
type FileChange struct {
	From, To string
}

// describe says what happened to the file for a reason string.
func (c FileChange) describe() string {
	switch {
	case c.From == "":
		return "added " + c.To
	case c.To == "":
		return "deleted " + c.From
	case c.From != c.To:
		return "renamed " + c.From + " to " + c.To
	}
	return "modified " + c.To
}

// absGlob is a when_modified glob made repo-relative, with its literal
// leading directory so only changed paths under it are tried.
type absGlob struct {
	glob, prefix string
}

func compileGlobs(dir string, globs []string) []absGlob {
	out := make([]absGlob, 0, len(globs))
	for _, g := range globs {
		abs := path.Join(dir, g)
		if abs == ".." || strings.HasPrefix(abs, "../") {
			continue // reaches outside the repository: nothing can match
		}
		var lit []string
		for _, seg := range strings.Split(abs, "/") {
			if strings.ContainsAny(seg, `*?[{\`) {
				break
			}
			lit = append(lit, seg)
		}
		out = append(out, absGlob{glob: abs, prefix: strings.Join(lit, "/")})
	}
	return out
}

// changedPath is one side of a FileChange.
type changedPath struct {
	path   string
	change int
	base   bool // the path exists at base only (From of a rename or deletion)
}

// Affected returns the projects of head that changes affect, each with its
// reasons, in head's apply order; the projects of base whose directory is
// gone at head; and the changed Terraform files outside every project that
// made no project affected, with the rule that left them unplanned (see
// unplanned). The caller fills in Change.Base and Change.Head.
//
// A project is affected when a changed path (either side of a rename)
// matches its when_modified, lies in a local module it calls directly or
// transitively, or when its plumb.yaml entry changed.
func Affected(base, head *Index, changes []FileChange) (plumb.Change, error) {
	if base == nil || head == nil {
		return plumb.Change{}, plumb.Errorf(plumb.EINTERNAL, "affected: nil index")
	}
	var paths []changedPath
	configChanged := false
	for i, c := range changes {
		if c.From != "" {
			paths = append(paths, changedPath{path: c.From, change: i, base: c.To != c.From})
		}
		if c.To != "" && c.To != c.From {
			paths = append(paths, changedPath{path: c.To, change: i})
		}
		configChanged = configChanged || c.From == ConfigFile || c.To == ConfigFile
	}
	sort.Slice(paths, func(i, j int) bool { return paths[i].path < paths[j].path })
	reasons := make([][]string, len(head.Projects))
	add := func(i int, r string) {
		if !contains(reasons[i], r) {
			reasons[i] = append(reasons[i], r)
		}
	}
	// planned[c] records that change c gave some project a reason: only
	// the other changes can be unplanned.
	planned := make([]bool, len(changes))
	for i := range head.Projects {
		lastPrefix, under := "\x00", []changedPath(nil)
		for _, g := range head.globs[i] {
			if g.prefix != lastPrefix { // globs of a project mostly share one
				lastPrefix, under = g.prefix, pathsUnder(paths, g.prefix)
			}
			for _, cp := range under {
				if ok, _ := doublestar.Match(g.glob, cp.path); ok {
					add(i, changes[cp.change].describe())
					planned[cp.change] = true
				}
			}
		}
	}
	for _, cp := range paths {
		owners := []string{ownerDir(head, cp.path)}
		if cp.base {
			owners = append(owners, ownerDir(base, cp.path))
		}
		for _, m := range owners {
			for _, i := range head.users[m] {
				r := fmt.Sprintf("calls %s (%s)", m, changes[cp.change].describe())
				if v := head.via(i, m); v != "" {
					r += " via " + v
				}
				add(i, r)
				planned[cp.change] = true
			}
		}
	}
	configReasons(base, head, configChanged, add)
	out := plumb.Change{Projects: []plumb.Affected{}, Removed: []plumb.Project{}}
	for i, p := range head.Projects {
		if len(reasons[i]) > 0 {
			out.Projects = append(out.Projects, plumb.Affected{Project: p, Reasons: reasons[i]})
		}
	}
	for _, p := range base.Projects {
		// A project that moved keeps its name: it is affected, not removed.
		j, kept := head.byName[p.Name]
		if head.dirs[p.Dir] == nil && !(kept && head.Projects[j].Workspace == p.Workspace) {
			out.Removed = append(out.Removed, p)
		}
	}
	out.Unplanned = unplanned(base, head, changes, planned)
	return out, nil
}

// pathsUnder returns the sorted paths equal to prefix or below it.
func pathsUnder(paths []changedPath, prefix string) []changedPath {
	if prefix == "" || prefix == "." {
		return paths
	}
	lo := sort.Search(len(paths), func(i int) bool { return paths[i].path >= prefix })
	end := prefix + "0" // '0' follows '/': the first path past prefix's subtree
	hi := lo + sort.Search(len(paths)-lo, func(i int) bool { return paths[lo+i].path >= end })
	return paths[lo:hi]
}

// ownerDir is the nearest directory at or above p's directory holding
// config files: the module a changed file belongs to (templates/ under a
// module belong to it).
func ownerDir(idx *Index, p string) string {
	for d := path.Dir(p); ; d = path.Dir(d) {
		if idx.dirs[d] != nil {
			return d
		}
		if d == "." || d == "/" {
			return ""
		}
	}
}

// configReasons adds the reasons that come from plumb.yaml itself: a new or
// changed entry, or a directory newly discovered (autodiscover settings).
func configReasons(base, head *Index, changed bool, add func(int, string)) {
	for i, p := range head.Projects {
		j, existed := base.byName[p.Name]
		var b plumb.Project
		if existed {
			b = base.Projects[j]
		}
		switch {
		case !p.Discovered && changed && (!existed || b.Discovered):
			add(i, "added to "+ConfigFile)
		case !p.Discovered && changed && !sameEntry(b, p):
			add(i, ConfigFile+" entry changed")
		case p.Discovered && !existed && !base.projectDirs[p.Dir]:
			add(i, "newly discovered")
		}
	}
}

// sameEntry compares two projects as plumb.yaml describes them.
func sameEntry(a, b plumb.Project) bool {
	a.Modules, b.Modules = nil, nil
	return reflect.DeepEqual(a, b)
}
