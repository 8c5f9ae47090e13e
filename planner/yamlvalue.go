package planner

import (
	"math"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// maxNodes bounds the YAML values a file may expand to, so aliases cannot
// blow up memory ("billion laughs").
const maxNodes = 100_000

// yamlValue converts a YAML node into a JSON-like value for schema
// validation, recording each value's node under its JSON pointer so errors
// can name a line and column.
type yamlValue struct {
	pos   map[string]*yaml.Node
	nodes int
}

func (y *yamlValue) convert(n *yaml.Node, loc []string, depth int) (any, bool) {
	y.nodes++
	if y.nodes > maxNodes || depth > 100 {
		return nil, false
	}
	y.pos[pointer(loc)] = n
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, true
		}
		return y.convert(n.Content[0], loc, depth+1)
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, true
		}
		return y.convert(n.Alias, loc, depth+1)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			child := append(loc[:len(loc):len(loc)], k)
			y.pos[pointer(child)+"#key"] = n.Content[i]
			v, ok := y.convert(n.Content[i+1], child, depth+1)
			if !ok {
				return nil, false
			}
			m[k] = v
		}
		return m, true
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for i, c := range n.Content {
			v, ok := y.convert(c, append(loc[:len(loc):len(loc)], strconv.Itoa(i)), depth+1)
			if !ok {
				return nil, false
			}
			s = append(s, v)
		}
		return s, true
	}
	return scalar(n), true
}

// scalar types a YAML scalar the way YAML 1.2 does, so the schema sees
// `autoplan: yes` as the string it is in YAML 1.2 and complains.
func scalar(n *yaml.Node) any {
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		return n.Value == "true" || n.Value == "True" || n.Value == "TRUE"
	case "!!int":
		if i, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64); err == nil {
			return i
		}
		return n.Value
	case "!!float":
		if f, err := strconv.ParseFloat(n.Value, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return f
		}
		return n.Value
	}
	return n.Value
}

func pointer(loc []string) string { return "/" + strings.Join(loc, "/") }
