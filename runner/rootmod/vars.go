package rootmod

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
)

// primitiveTypes are the variable types whose TF_VAR_* value the engine
// takes as a literal string; every other type is parsed as an HCL
// expression. Untyped variables take the literal string too.
var primitiveTypes = map[string]bool{"": true, "string": true, "number": true, "bool": true}

// SplitVarEnv takes TF_VAR_* out of env. terraform-exec refuses them in
// SetEnv, so they travel in a var file instead (see WriteVarFile).
func SplitVarEnv(env map[string]string) (rest, vars map[string]string) {
	rest = make(map[string]string, len(env))
	vars = map[string]string{}
	for k, v := range env {
		if name, ok := strings.CutPrefix(k, "TF_VAR_"); ok && name != "" {
			vars[name] = v
			continue
		}
		rest[k] = v
	}
	return rest, vars
}

// WriteVarFile writes the TF_VAR_* values the root module declares as a
// 0600 .tfvars file with the same meaning the environment would have given
// them. Undeclared ones are left out, as the engine ignores them in the
// environment. It returns "" when there is nothing to write.
func WriteVarFile(path string, vars map[string]string, types map[string]string) (string, error) {
	names := make([]string, 0, len(vars))
	for name := range vars {
		if _, declared := types[name]; declared {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return "", nil
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("# Written by plumb from TF_VAR_* for one run; deleted after it.\n")
	for _, name := range names {
		typ := strings.TrimSpace(types[name])
		if unq, err := strconv.Unquote(typ); err == nil { // .tf.json declares types as strings
			typ = strings.TrimSpace(unq)
		}
		v := vars[name]
		if primitiveTypes[typ] {
			v = HCLString(v)
		}
		fmt.Fprintf(&b, "%s = %s\n", name, v)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		return "", fmt.Errorf("write var file: %w", err)
	}
	return path, nil
}

// HCLString quotes s as an HCL string literal, escaping template sequences
// so the value arrives verbatim.
func HCLString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04x`, r)
		case (r == '$' || r == '%') && strings.HasPrefix(s[i+1:], "{"):
			b.WriteRune(r) // "$${" and "%%{" are the literal "${" and "%{"
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
