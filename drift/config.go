package drift

import (
	"strings"

	tfjson "github.com/hashicorp/terraform-json"
)

// configured indexes which top-level attributes (and nested blocks) each
// managed resource's configuration sets, with the references of each
// expression, by module path and type.name. The plan's configuration is
// per resource, not per instance, which is what a count or for_each
// instance shares.
type configured map[string]map[string][]string

func indexConfig(c *tfjson.Config) configured {
	idx := configured{}
	if c != nil {
		idx.add("", c.RootModule, 0)
	}
	return idx
}

// maxModuleDepth bounds the walk of a hostile document; real module trees
// are a few levels deep.
const maxModuleDepth = 100

func (idx configured) add(module string, m *tfjson.ConfigModule, depth int) {
	if m == nil || depth > maxModuleDepth {
		return
	}
	for _, r := range m.Resources {
		if r == nil || r.Mode == tfjson.DataResourceMode {
			continue
		}
		attrs := map[string][]string{}
		for k, ex := range r.Expressions {
			attrs[k] = references(ex)
		}
		idx[module+"|"+r.Type+"."+r.Name] = attrs
	}
	for name, call := range m.ModuleCalls {
		if call == nil {
			continue
		}
		idx.add(join(module, name), call.Module, depth+1)
	}
}

func join(module, name string) string {
	if module == "" {
		return name
	}
	return module + "." + name
}

// sets says whether the configuration of rc sets attribute top; when the
// configuration is not in the plan or does not name the resource, it
// cannot tell and says yes, so no configured change is ever hidden.
func (idx configured) sets(rc *tfjson.ResourceChange, top string) bool {
	module, ok := modulePath(rc.ModuleAddress)
	if !ok {
		return true
	}
	attrs, ok := idx[module+"|"+rc.Type+"."+rc.Name]
	if !ok {
		return true
	}
	_, set := attrs[top]
	return set
}

// refs is what the expression setting rc's attribute top refers to, and
// false when the configuration does not say.
func (idx configured) refs(rc *tfjson.ResourceChange, top string) ([]string, bool) {
	module, ok := modulePath(rc.ModuleAddress)
	if !ok {
		return nil, false
	}
	refs, ok := idx[module+"|"+rc.Type+"."+rc.Name][top]
	return refs, ok
}

// references are an expression's references, nested blocks' included;
// the slice is never nil for a known expression.
func references(ex *tfjson.Expression) []string {
	out := []string{}
	if ex == nil || ex.ExpressionData == nil {
		return out
	}
	out = append(out, ex.References...)
	for _, blk := range ex.NestedBlocks {
		for _, inner := range blk {
			out = append(out, references(inner)...)
		}
	}
	return out
}

// modulePath turns a module instance address (module.a[0].module.b["x"])
// into its module call path (a.b).
func modulePath(addr string) (string, bool) {
	var names []string
	for addr != "" {
		rest, ok := strings.CutPrefix(addr, "module.")
		if !ok {
			return "", false
		}
		end := strings.IndexAny(rest, ".[")
		if end < 0 {
			end = len(rest)
		}
		if end == 0 {
			return "", false
		}
		names = append(names, rest[:end])
		rest = rest[end:]
		if strings.HasPrefix(rest, "[") {
			n, ok := skipIndex(rest)
			if !ok {
				return "", false
			}
			rest = rest[n:]
		}
		if rest != "" {
			if rest, ok = strings.CutPrefix(rest, "."); !ok || rest == "" {
				return "", false
			}
		}
		addr = rest
	}
	return strings.Join(names, "."), true
}

// skipIndex returns the length of the [N] or ["key"] at the start of s,
// quoted keys with Go-style escapes as the engines print them.
func skipIndex(s string) (int, bool) {
	if len(s) > 1 && s[1] == '"' {
		for i := 2; i < len(s); i++ {
			switch s[i] {
			case '\\':
				i++
			case '"':
				if i+1 < len(s) && s[i+1] == ']' {
					return i + 2, true
				}
				return 0, false
			}
		}
		return 0, false
	}
	end := strings.IndexByte(s, ']')
	return end + 1, end > 1
}
