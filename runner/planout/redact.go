package planout

import (
	"encoding/json"
	"fmt"

	"github.com/plumbhq/plumb"
)

// RedactJSON replaces every value the plan marks sensitive (sensitive
// variables and outputs, provider-marked attributes) with plumb.Redacted,
// and returns the values it removed so that the same text can be scrubbed
// from logs and the human-readable plan as well.
func RedactJSON(raw []byte) ([]byte, []string, error) {
	var plan map[string]any
	if err := json.Unmarshal(raw, &plan); err != nil {
		return nil, nil, fmt.Errorf("plan JSON: %w", err)
	}
	var found []string
	rd := func(v, marks any) any { return redactMarked(v, marks, &found) }

	for _, key := range []string{"resource_changes", "resource_drift"} {
		for _, rc := range asList(plan[key]) {
			if ch, ok := asMap(rc)["change"].(map[string]any); ok {
				redactChange(ch, rd)
			}
		}
	}
	for _, oc := range asMap(plan["output_changes"]) {
		if ch, ok := oc.(map[string]any); ok {
			redactChange(ch, rd)
		}
	}
	for _, key := range []string{"planned_values", "prior_state"} {
		vals := asMap(plan[key])
		if key == "prior_state" {
			vals = asMap(vals["values"])
		}
		redactValues(vals, rd)
	}
	sensitiveVars := map[string]bool{}
	for name, v := range asMap(asMap(asMap(plan["configuration"])["root_module"])["variables"]) {
		if s, _ := asMap(v)["sensitive"].(bool); s {
			sensitiveVars[name] = true
		}
	}
	for name, v := range asMap(plan["variables"]) {
		if m := asMap(v); sensitiveVars[name] && m != nil {
			m["value"] = rd(m["value"], true)
		}
	}
	out, err := json.Marshal(plan)
	return out, found, err
}

func redactChange(ch map[string]any, rd func(v, marks any) any) {
	ch["before"] = rd(ch["before"], ch["before_sensitive"])
	ch["after"] = rd(ch["after"], ch["after_sensitive"])
}

// redactValues handles a "values" representation: outputs with a sensitive
// flag, and resources (in modules, recursively) with sensitive_values.
func redactValues(vals map[string]any, rd func(v, marks any) any) {
	for _, o := range asMap(vals["outputs"]) {
		if m := asMap(o); m != nil {
			if s, _ := m["sensitive"].(bool); s {
				m["value"] = rd(m["value"], true)
			}
		}
	}
	var walk func(mod map[string]any)
	walk = func(mod map[string]any) {
		for _, res := range asList(mod["resources"]) {
			if m := asMap(res); m != nil {
				m["values"] = rd(m["values"], m["sensitive_values"])
			}
		}
		for _, child := range asList(mod["child_modules"]) {
			walk(asMap(child))
		}
	}
	walk(asMap(vals["root_module"]))
}

// redactMarked replaces the parts of v that marks flags: true marks the
// whole value, an object or list of marks flags members.
func redactMarked(v, marks any, found *[]string) any {
	switch m := marks.(type) {
	case bool:
		if m && v != nil {
			collectLeaves(v, found)
			return plumb.Redacted
		}
	case map[string]any:
		if obj, ok := v.(map[string]any); ok {
			for k, sub := range m {
				if _, present := obj[k]; present {
					obj[k] = redactMarked(obj[k], sub, found)
				}
			}
		}
	case []any:
		if list, ok := v.([]any); ok {
			for i := range list {
				if i < len(m) {
					list[i] = redactMarked(list[i], m[i], found)
				}
			}
		}
	}
	return v
}

// collectLeaves records the scalar values inside v as secrets.
func collectLeaves(v any, found *[]string) {
	switch x := v.(type) {
	case string:
		*found = append(*found, x)
	case float64, bool:
		// Numbers and booleans are too short and too common to scrub from text.
	case map[string]any:
		for _, e := range x {
			collectLeaves(e, found)
		}
	case []any:
		for _, e := range x {
			collectLeaves(e, found)
		}
	}
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}
