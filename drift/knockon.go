package drift

import (
	"strings"

	tfjson "github.com/hashicorp/terraform-json"
)

// planIndex is what Classify knows of a whole plan while it reads one
// resource: the configuration, the resources changed out of band (the
// plan restores them), and every resource the plan changes.
type planIndex struct {
	cfg      configured
	restored map[string]bool
	changed  map[string]bool
}

// knockOn reports whether a planned update or replace of rc, which did
// not change outside itself, only follows from restoring resources that
// did: every value it changes is unknown until apply, and every resource
// that the configuration of those values refers to and that this plan
// changes is one changed out of band (a trigger on a deleted file's hash:
// recreating the file replaces it). It is then part of the out-of-band
// finding, not configuration waiting to be applied. A reference plumb
// cannot follow (a variable, local, data source or module output) keeps
// the change pending: no configured change is ever hidden.
func (x *planIndex) knockOn(rc *tfjson.ResourceChange, diffs []diff) bool {
	if len(x.restored) == 0 || len(diffs) == 0 {
		return false
	}
	follows := false
	for _, df := range diffs {
		if !df.unknown {
			return false
		}
		refs, ok := x.cfg.refs(rc, df.top)
		if !ok {
			continue // computed by the provider: unknown because of the change itself
		}
		for _, ref := range refs {
			switch strings.SplitN(ref, ".", 2)[0] {
			case "path", "terraform", "count", "each", "self":
				continue // known when planning
			case "var", "local", "data", "module":
				return false
			}
			for _, a := range x.changedBy(rc.ModuleAddress, ref) {
				if !x.restored[a] {
					return false
				}
				follows = true
			}
		}
	}
	return follows
}

// changedBy lists the resources this plan changes that ref, a reference
// inside module, names (the resource, one of its instances, or one of its
// attributes).
func (x *planIndex) changedBy(module, ref string) []string {
	addr := ref
	if module != "" {
		addr = module + "." + ref
	}
	var out []string
	for a := range x.changed {
		if addr == a || strings.HasPrefix(addr, a+".") || strings.HasPrefix(addr, a+"[") || strings.HasPrefix(a, addr+"[") {
			out = append(out, a)
		}
	}
	return out
}
