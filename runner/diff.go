package runner

import (
	"fmt"
	"slices"
	"strings"

	"github.com/plumbhq/plumb"
)

// DiffChanges says how plan b's changes differ from plan a's, resource by
// resource: addresses, actions and the attributes an update changes. No
// differences means applying b does what reviewing a agreed to. A nil a
// is a plan nobody reviewed: every change of b is a difference.
func DiffChanges(a, b *plumb.Run) []string {
	before, after := changesOf(a), changesOf(b)
	var addrs []string
	for addr := range before {
		addrs = append(addrs, addr)
	}
	for addr := range after {
		if _, ok := before[addr]; !ok {
			addrs = append(addrs, addr)
		}
	}
	slices.Sort(addrs)
	var out []string
	for _, addr := range addrs {
		x, inA := before[addr]
		y, inB := after[addr]
		switch {
		case !inA:
			out = append(out, fmt.Sprintf("`%s`: not in the reviewed plan; now %s", addr, describe(y)))
		case !inB:
			out = append(out, fmt.Sprintf("`%s`: reviewed %s; now no change", addr, describe(x)))
		case !slices.Equal(x.Actions, y.Actions) || !slices.Equal(x.Attributes, y.Attributes):
			out = append(out, fmt.Sprintf("`%s`: reviewed %s; now %s", addr, describe(x), describe(y)))
		}
	}
	return out
}

func changesOf(r *plumb.Run) map[string]plumb.ResourceChange {
	m := map[string]plumb.ResourceChange{}
	if r == nil {
		return m
	}
	for _, c := range r.Resources {
		m[c.Address] = c
	}
	return m
}

func describe(c plumb.ResourceChange) string {
	s := strings.Join(c.Actions, "+")
	if slices.Equal(c.Actions, []string{"delete", "create"}) || slices.Equal(c.Actions, []string{"create", "delete"}) {
		s = "replace"
	}
	if len(c.Attributes) > 0 {
		s += " (" + strings.Join(c.Attributes, ", ") + ")"
	}
	return s
}
