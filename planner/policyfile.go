package planner

// ParsePolicySets parses a server's policy file: YAML whose only key is
// policies:, in plumb.yaml's format and checked by the same code, with
// dirs and data relative to (and inside) the file's directory. Errors are
// ConfigErrors (FILE:LINE:COL), as ParseConfig's.
func ParsePolicySets(file string, data []byte) ([]PolicySet, error) {
	c, doc, errs := parseDoc(file, data, "empty file: want policies:", policiesOnly)
	if errs != nil {
		return nil, errs.Err()
	}
	var raw struct {
		Policies []PolicySet `yaml:"policies"`
	}
	if err := doc.Decode(&raw); err != nil {
		return nil, ConfigErrors{{File: file, Message: err.Error()}}.Err()
	}
	// No environments: here, so any environment name is accepted.
	c.policyFile = true
	if errs := c.policies(raw.Policies); len(errs) > 0 {
		return nil, errs.Err()
	}
	return c.Policies, nil
}

// policiesOnly rejects every top-level key but policies and gives the
// schema the plumb.yaml that policies alone would be.
func policiesOnly(c *Config, v any) (any, ConfigErrors) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, ConfigErrors{c.errAt(nil, "want a mapping with the key policies")}
	}
	var errs ConfigErrors
	for _, k := range sortedKeys(m) {
		if k == "policies" {
			continue
		}
		e := c.errAt([]string{k}, "unknown key%s; allowed: policies", suggest(k, []string{"policies"}))
		if n := c.pos[pointer([]string{k})+"#key"]; n != nil {
			e.Line, e.Col = n.Line, n.Column
		}
		errs = append(errs, e)
	}
	return map[string]any{"version": int64(1), "policies": m["policies"]}, errs
}
