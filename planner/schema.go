package planner

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Schema is the JSON Schema of plumb.yaml, the one validation and editors use.
//
//go:embed plumb.schema.json
var Schema []byte

// compiled is built once: the schema is a constant of the binary.
var compiled = sync.OnceValues(func() (*compiledSchema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(Schema))
	if err != nil {
		return nil, fmt.Errorf("read plumb.schema.json: %w", err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("plumb.schema.json", doc); err != nil {
		return nil, fmt.Errorf("add plumb.schema.json: %w", err)
	}
	sch, err := c.Compile("plumb.schema.json")
	if err != nil {
		return nil, fmt.Errorf("compile plumb.schema.json: %w", err)
	}
	var raw map[string]any
	if err := json.Unmarshal(Schema, &raw); err != nil {
		return nil, fmt.Errorf("read plumb.schema.json: %w", err)
	}
	return &compiledSchema{sch: sch, raw: raw}, nil
})

type compiledSchema struct {
	sch *jsonschema.Schema
	raw map[string]any // for property names: unknown keys and suggestions
}

var printer = message.NewPrinter(language.English)

// validate checks v against the schema; each error carries the instance
// location as a JSON pointer, which the caller maps to a line and column.
// Unknown keys are left to unknownKeys, which can suggest a name.
func (cs *compiledSchema) validate(v any) []schemaError {
	err := cs.sch.Validate(v)
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	var out []schemaError
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		if _, ok := e.ErrorKind.(*kind.AdditionalProperties); ok {
			return
		}
		msg := e.ErrorKind.LocalizedString(printer)
		if en, ok := e.ErrorKind.(*kind.Enum); ok {
			msg += suggestEnum(en)
		}
		out = append(out, schemaError{loc: e.InstanceLocation, msg: msg})
	}
	walk(ve)
	return out
}

// suggestEnum suggests the allowed string nearest a wrong one, as unknown
// keys do: `apply_requirements: [aproved]` is a typo, not a new rule.
func suggestEnum(e *kind.Enum) string {
	got, ok := e.Got.(string)
	if !ok {
		return ""
	}
	var want []string
	for _, w := range e.Want {
		if s, ok := w.(string); ok {
			want = append(want, s)
		}
	}
	return suggest(got, want)
}

type schemaError struct {
	loc []string
	msg string
}

// node resolves a "$ref" to its definition.
func (cs *compiledSchema) node(s map[string]any) map[string]any {
	for i := 0; i < 8; i++ {
		ref, ok := s["$ref"].(string)
		if !ok {
			return s
		}
		name, ok := strings.CutPrefix(ref, "#/$defs/")
		defs, _ := cs.raw["$defs"].(map[string]any)
		def, _ := defs[name].(map[string]any)
		if !ok || def == nil {
			return s
		}
		s = def
	}
	return s
}

// properties returns the schema of each property of an object schema, and
// whether other properties are forbidden.
func (cs *compiledSchema) properties(s map[string]any) (map[string]map[string]any, bool) {
	s = cs.node(s)
	props := map[string]map[string]any{}
	p, _ := s["properties"].(map[string]any)
	for k, v := range p {
		props[k], _ = v.(map[string]any)
	}
	closed := s["additionalProperties"] == false
	return props, closed
}

func (cs *compiledSchema) items(s map[string]any) map[string]any {
	it, _ := cs.node(s)["items"].(map[string]any)
	return it
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// keyPath turns a JSON pointer's tokens into the key path users read:
// projects[0].depends_on[1].
func keyPath(loc []string) string {
	var b strings.Builder
	for _, tok := range loc {
		if _, err := strconv.Atoi(tok); err == nil {
			fmt.Fprintf(&b, "[%s]", tok)
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
	}
	return b.String()
}
