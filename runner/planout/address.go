package planout

import (
	"cmp"
	"strconv"
	"strings"
)

// addressLess orders resource instance addresses the way the engine's plan
// document does (addrs.AbsResourceInstance.Less): shallower modules first,
// then module names and keys, then ephemeral, data and managed resources,
// then type, name and key (no key, then numbers by value, then strings).
// Both readings of a plan, the document and the streamed events, sort by it,
// so a run lists its resources in one order whichever was read.
func addressLess(a, b string) bool {
	x, y := parseAddress(a), parseAddress(b)
	if len(x.modules) != len(y.modules) {
		return len(x.modules) < len(y.modules)
	}
	for i := range x.modules {
		if c := x.modules[i].compare(y.modules[i]); c != 0 {
			return c < 0
		}
	}
	if x.mode != y.mode {
		return x.mode < y.mode
	}
	if x.typ != y.typ {
		return x.typ < y.typ
	}
	if c := x.res.compare(y.res); c != 0 {
		return c < 0
	}
	return a < b // unparseable alike: any fixed order
}

type address struct {
	modules []step
	mode    int // 0 ephemeral, 1 data, 2 managed, as the engine orders them
	typ     string
	res     step // the resource name and instance key
}

type step struct {
	name string
	key  string // raw: "" none, a number, or a quoted string
}

// compare orders steps by name, then key: none < numbers < strings.
func (s step) compare(o step) int {
	if s.name != o.name {
		return strings.Compare(s.name, o.name)
	}
	ks, ko := keyRank(s.key), keyRank(o.key)
	if ks != ko {
		return ks - ko
	}
	switch ks {
	case 1:
		n, _ := strconv.Atoi(s.key)
		m, _ := strconv.Atoi(o.key)
		return cmp.Compare(n, m)
	case 2:
		u, _ := strconv.Unquote(s.key)
		v, _ := strconv.Unquote(o.key)
		return strings.Compare(u, v)
	}
	return 0
}

func keyRank(k string) int {
	switch {
	case k == "":
		return 0
	case k[0] == '"':
		return 2
	}
	return 1
}

// parseAddress splits an address such as module.a["x"].data.t.n[2] into
// its parts. It never fails: an odd address gives odd parts, which only
// affects order.
func parseAddress(s string) address {
	var steps []step
	for s != "" {
		i := strings.IndexAny(s, ".[")
		if i < 0 {
			steps = append(steps, step{name: s})
			break
		}
		st := step{name: s[:i]}
		s = s[i:]
		if s[0] == '[' {
			end := keyEnd(s)
			st.key, s = s[1:end], s[min(end+1, len(s)):]
		}
		steps = append(steps, st)
		s = strings.TrimPrefix(s, ".")
	}
	var a address
	for len(steps) >= 2 && steps[0].name == "module" && steps[0].key == "" {
		a.modules = append(a.modules, steps[1])
		steps = steps[2:]
	}
	a.mode = 2
	if len(steps) == 3 && steps[0].key == "" {
		switch steps[0].name {
		case "data":
			a.mode, steps = 1, steps[1:]
		case "ephemeral":
			a.mode, steps = 0, steps[1:]
		}
	}
	if len(steps) > 0 {
		a.typ = steps[0].name
	}
	if len(steps) > 1 {
		a.res = steps[1]
	}
	return a
}

// keyEnd is the index of the ']' closing the key s starts with, skipping
// a quoted string's contents; len(s) when there is none.
func keyEnd(s string) int {
	quoted := false
	for i := 1; i < len(s); i++ {
		switch {
		case quoted && s[i] == '\\':
			i++
		case s[i] == '"':
			quoted = !quoted
		case !quoted && s[i] == ']':
			return i
		}
	}
	return len(s)
}
