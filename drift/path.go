package drift

import (
	"encoding/json"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// diff is one attribute path where two values differ.
type diff struct {
	path    string
	top     string // the top-level attribute
	unknown bool   // the new value is known only after apply
	null    bool   // the new value is null
}

// differ walks two values as encoding/json decodes them (map[string]any,
// []any, string, bool, float64 or json.Number, nil) side by side with their
// sensitivity marks and, for the new side, its unknown marks.
type differ struct {
	marks bool // a change of sensitivity alone is a difference
	diffs []diff
}

// compare returns the paths where before and after differ.
func compare(before, after, beforeSens, afterSens, afterUnknown any, marks bool) []diff {
	d := &differ{marks: marks}
	d.walk(nil, before, after, beforeSens, afterSens, afterUnknown)
	return d.diffs
}

func (d *differ) walk(p []any, a, b, sa, sb, unk any) {
	if isTrue(unk) {
		d.add(p, true, false)
		return
	}
	if sensA, sensB := isTrue(sa), isTrue(sb); sensA || sensB {
		// Never look inside a sensitive value: its keys are secret too.
		if !equal(a, b) || (d.marks && sensA != sensB) {
			d.add(p, false, b == nil)
		}
		return
	}
	am, aIsMap := asMap(a)
	bm, bIsMap := asMap(b)
	if aIsMap && bIsMap {
		for _, k := range keys(am, bm, unk) {
			d.walk(append(p, k), am[k], bm[k], child(sa, k), child(sb, k), child(unk, k))
		}
		return
	}
	al, aIsList := asList(a)
	bl, bIsList := asList(b)
	if aIsList && bIsList && len(al) == len(bl) {
		for i := range al {
			d.walk(append(p, i), al[i], bl[i], childAt(sa, i), childAt(sb, i), childAt(unk, i))
		}
		return
	}
	if !equal(a, b) || hasUnknown(unk) {
		d.add(p, hasUnknown(unk), b == nil)
	}
}

func (d *differ) add(p []any, unknown, null bool) {
	if len(p) == 0 {
		p = []any{""} // a whole object differs; not reached for resources
	}
	top, _ := p[0].(string)
	d.diffs = append(d.diffs, diff{path: formatPath(p), top: top, unknown: unknown, null: null})
}

// asMap treats null as an empty object when the other side is an object.
func asMap(v any) (map[string]any, bool) {
	if v == nil {
		return nil, true
	}
	m, ok := v.(map[string]any)
	return m, ok
}

func asList(v any) ([]any, bool) {
	if v == nil {
		return nil, true
	}
	l, ok := v.([]any)
	return l, ok
}

// keys is the sorted union of the keys of both objects and of the unknown
// marks (a key can be absent from after when its value is unknown).
func keys(a, b map[string]any, unk any) []string {
	var ks []string
	for k := range a {
		ks = append(ks, k)
	}
	for k := range b {
		ks = append(ks, k)
	}
	if um, ok := unk.(map[string]any); ok {
		for k := range um {
			ks = append(ks, k)
		}
	}
	slices.Sort(ks)
	return slices.Compact(ks)
}

func isTrue(v any) bool {
	b, ok := v.(bool)
	return ok && b
}

// hasUnknown says whether marks hold any true leaf.
func hasUnknown(v any) bool {
	switch v := v.(type) {
	case bool:
		return v
	case map[string]any:
		for _, c := range v {
			if hasUnknown(c) {
				return true
			}
		}
	case []any:
		for _, c := range v {
			if hasUnknown(c) {
				return true
			}
		}
	}
	return false
}

func child(marks any, k string) any {
	if m, ok := marks.(map[string]any); ok {
		return m[k]
	}
	return nil
}

func childAt(marks any, i int) any {
	if l, ok := marks.([]any); ok && i < len(l) {
		return l[i]
	}
	return nil
}

// equal is deep equality of decoded JSON where a null, an absent key and an
// empty collection are the same, and numbers compare by value.
func equal(a, b any) bool {
	if isEmpty(a) && isEmpty(b) {
		return true
	}
	if am, ok := a.(map[string]any); ok {
		bm, ok := asMap(b)
		if !ok {
			return false
		}
		for _, k := range keys(am, bm, nil) {
			if !equal(am[k], bm[k]) {
				return false
			}
		}
		return true
	}
	if bm, ok := b.(map[string]any); ok {
		return a == nil && equal(bm, nil)
	}
	if al, ok := a.([]any); ok {
		bl, ok := asList(b)
		if !ok || len(al) != len(bl) {
			return false
		}
		for i := range al {
			if !equal(al[i], bl[i]) {
				return false
			}
		}
		return true
	}
	if _, ok := b.([]any); ok {
		return false // a is not a list and both are not empty
	}
	if x, ok := number(a); ok {
		y, ok := number(b)
		return ok && x.Cmp(y) == 0
	}
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	}
	return false // no other type comes out of encoding/json
}

func isEmpty(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case map[string]any:
		return len(v) == 0
	case []any:
		return len(v) == 0
	}
	return false
}

func number(v any) (*big.Rat, bool) {
	switch v := v.(type) {
	case float64:
		r := new(big.Rat)
		if r.SetFloat64(v) == nil {
			return nil, false
		}
		return r, true
	case json.Number:
		return new(big.Rat).SetString(string(v))
	case int:
		return new(big.Rat).SetInt64(int64(v)), true
	}
	return nil, false
}

var ident = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// formatPath renders steps (string keys, int indexes) in the package's
// path syntax: content, tags.env, rule[0].port, labels["a.b/c"].
func formatPath(steps []any) string {
	var b strings.Builder
	for i, s := range steps {
		switch s := s.(type) {
		case string:
			switch {
			case !ident.MatchString(s):
				b.WriteString("[" + strconv.Quote(s) + "]")
			case i > 0:
				b.WriteString("." + s)
			default:
				b.WriteString(s)
			}
		case int:
			b.WriteString("[" + strconv.Itoa(s) + "]")
		}
	}
	return b.String()
}

// replacePath converts one of the engine's replace_paths (a list of
// attribute names, map keys and indexes) into steps; ok is false for
// anything else.
func replacePath(v any) ([]any, bool) {
	l, ok := v.([]any)
	if !ok || len(l) == 0 {
		return nil, false
	}
	steps := make([]any, 0, len(l))
	for _, s := range l {
		switch s := s.(type) {
		case string:
			steps = append(steps, s)
		case float64:
			steps = append(steps, int(s))
		case json.Number:
			n, err := strconv.Atoi(string(s))
			if err != nil {
				return nil, false
			}
			steps = append(steps, n)
		default:
			return nil, false
		}
	}
	return steps, true
}
