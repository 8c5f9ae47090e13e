package planner

import (
	"path"
	"strings"

	"github.com/plumbhq/plumb"
)

// ResolveSource resolves a module block's source, written in the module at
// repo-relative dir, to the repo-relative directory it names. local is
// false for registry, git, http and other remote sources, which plumb does
// not follow. A local source that leaves the repository is an EINVALID
// error.
func ResolveSource(dir, source string) (target string, local bool, err error) {
	src := strings.ReplaceAll(strings.TrimSpace(source), `\`, "/")
	if !isLocalSource(src) {
		return "", false, nil
	}
	target = path.Join(dir, src)
	if target == ".." || strings.HasPrefix(target, "../") || path.IsAbs(target) {
		return "", true, plumb.Errorf(plumb.EINVALID, "source %q leaves the repository: local module sources must stay inside it", source)
	}
	return target, true, nil
}

// isLocalSource follows Terraform: a local path starts with ./ or ../.
func isLocalSource(src string) bool {
	return src == "." || src == ".." || strings.HasPrefix(src, "./") || strings.HasPrefix(src, "../")
}
