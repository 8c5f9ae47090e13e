package planner

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/plumbhq/plumb"
)

// graph resolves every local module call to a repo-relative directory.
// Calls to missing directories stay in the graph (so adding the directory
// later affects the caller) and are reported with their location.
func (idx *Index) graph(fsys fs.FS) {
	dirs := sortedKeys(idx.dirs)
	for _, dir := range dirs {
		for _, c := range idx.dirs[dir].calls {
			at := ConfigError{File: path.Join(dir, c.file), Line: c.line, Col: c.col, Path: "module." + c.name + ".source"}
			target, local, err := ResolveSource(dir, c.source)
			if err != nil {
				at.Message = plumb.ErrorMessage(err)
				idx.Problems = append(idx.Problems, at)
				continue
			}
			if !local {
				continue
			}
			canon := target
			if idx.dirs[target] == nil {
				// The walk does not follow links: only a path it did not
				// see can go through one.
				canon, err = canonical(fsys, target)
			}
			if err != nil {
				at.Message = fmt.Sprintf("source %q: %s", c.source, plumb.ErrorMessage(err))
				idx.Problems = append(idx.Problems, at)
				continue
			}
			e := edge{target: canon, views: c.views, exists: idx.dirs[canon] != nil}
			if !e.exists {
				at.Message = fmt.Sprintf("source %q: %s has no .tf or .tofu files (does the directory exist?); fix the path or add the module", c.source, canon)
				idx.Problems = append(idx.Problems, at)
			}
			if canon != dir {
				idx.edges[dir] = addEdge(idx.edges[dir], e)
			}
		}
	}
	for _, es := range idx.edges {
		sort.Slice(es, func(i, j int) bool { return es[i].target < es[j].target })
	}
}

// addEdge merges calls of one module from several blocks (for_each copies,
// duplicate names, .tf and .tofu variants) into one edge.
func addEdge(es []edge, e edge) []edge {
	for i := range es {
		if es[i].target == e.target {
			es[i].views |= e.views
			return es
		}
	}
	return append(es, e)
}

// canonical resolves symlinks along a repo-relative path, so a module
// reached through a link is the same module as its target. Links that leave
// the repository or loop are errors.
func canonical(fsys fs.FS, p string) (string, error) {
	if p == "." {
		return p, nil
	}
	parts := strings.Split(p, "/")
	cur := "."
	for hops := 0; len(parts) > 0; {
		next := path.Join(cur, parts[0])
		parts = parts[1:]
		info, err := fs.Lstat(fsys, next)
		if err != nil || info.Mode()&fs.ModeSymlink == 0 {
			cur = next // missing paths are reported by the caller
			continue
		}
		if hops++; hops > 40 {
			return "", plumb.Errorf(plumb.EINVALID, "too many symlinks at %s", next)
		}
		link, err := fs.ReadLink(fsys, next)
		if err != nil {
			return "", plumb.Errorf(plumb.EINVALID, "read symlink %s: %w", next, err)
		}
		if path.IsAbs(link) {
			return "", plumb.Errorf(plumb.EINVALID, "symlink %s points outside the repository (%s)", next, link)
		}
		dest := path.Join(path.Dir(next), link)
		if dest == ".." || strings.HasPrefix(dest, "../") {
			return "", plumb.Errorf(plumb.EINVALID, "symlink %s points outside the repository (%s)", next, link)
		}
		parts = append(strings.Split(dest, "/"), parts...)
		cur = "."
	}
	return cur, nil
}

// walkModules returns every local module dir reachable from dir for the
// engine, each mapped to the module that calls it ("" when dir calls it).
// Breadth first, with sorted edges, so the recorded path is a shortest one
// and stable.
func (idx *Index) walkModules(dir string, engine plumb.Engine) map[string]string {
	view := viewTofu
	if engine == plumb.EngineTerraform {
		view = viewTerraform
	}
	parent := map[string]string{}
	queue := []string{dir}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		for _, e := range idx.edges[cur] {
			if e.views&view == 0 || e.target == dir {
				continue
			}
			if _, seen := parent[e.target]; seen {
				continue
			}
			if cur == dir {
				parent[e.target] = ""
			} else {
				parent[e.target] = cur
			}
			if e.exists {
				queue = append(queue, e.target)
			}
		}
	}
	return parent
}

// via is the chain of modules through which project i reaches module m:
// "modules/app" or "modules/app -> modules/net"; "" for a direct call.
func (idx *Index) via(i int, m string) string {
	var chain []string
	for p := idx.reach[i][m]; p != ""; p = idx.reach[i][p] {
		chain = append(chain, p)
		if len(chain) > len(idx.reach[i]) {
			break
		}
	}
	for l, r := 0, len(chain)-1; l < r; l, r = l+1, r-1 {
		chain[l], chain[r] = chain[r], chain[l]
	}
	return strings.Join(chain, " -> ")
}
