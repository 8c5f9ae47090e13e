package flagsource

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/pflag"
	"gopkg.in/yaml.v3"

	"github.com/plumbhq/plumb"
)

// EnvName is the variable that sets a flag: PLUMB_ and the flag's name in
// capitals, dashes made underscores.
func EnvName(flag string) string {
	return "PLUMB_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// FromEnv sets every flag of the sets not given on the command line from
// its PLUMB_<FLAG> variable, when that is not empty.
func FromEnv(getenv func(string) string, sets ...*pflag.FlagSet) error {
	var errs []error
	set := func(f *pflag.Flag) {
		if f.Changed {
			return
		}
		name := EnvName(f.Name)
		v := getenv(name)
		if v == "" {
			return
		}
		if err := f.Value.Set(v); err != nil {
			errs = append(errs, fmt.Errorf("%s=%q: %w", name, v, err))
			return
		}
		// Set from the env is set: cobra's required-flag check (plumb
		// affected's --base and --head) reads Changed.
		f.Changed = true
	}
	for _, fs := range sets {
		fs.VisitAll(set)
	}
	return errors.Join(errs...)
}

// FromFile applies file to every flag of fs not set on the command line
// nor through its PLUMB_* variable (getenv). allowed says which flags the
// file may set; any other key is an error naming the file, line and key.
func FromFile(file string, fs *pflag.FlagSet, allowed func(name string) bool, getenv func(string) string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return plumb.Errorf(plumb.EINVALID, "config: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return plumb.Errorf(plumb.EINVALID, "%s: %w", file, err)
	}
	if len(doc.Content) == 0 {
		return nil // an empty file sets nothing
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return plumb.Errorf(plumb.EINVALID, "%s:%d:%d: want a mapping of flag names to values", file, root.Line, root.Column)
	}
	var errs []error
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		at := fmt.Sprintf("%s:%d:%d: %s", file, k.Line, k.Column, k.Value)
		f := fs.Lookup(k.Value)
		if f == nil || !allowed(k.Value) {
			errs = append(errs, fmt.Errorf("%s: unknown key", at))
			continue
		}
		if f.Changed || getenv(EnvName(f.Name)) != "" {
			continue // env and flags win over the file
		}
		if err := setFromNode(f, v); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", at, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return plumb.Errorf(plumb.EINVALID, "%w", err)
	}
	return nil
}

func setFromNode(f *pflag.Flag, v *yaml.Node) error {
	switch v.Kind {
	case yaml.ScalarNode:
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			return sv.Replace([]string{v.Value})
		}
		return f.Value.Set(v.Value)
	case yaml.SequenceNode:
		sv, ok := f.Value.(pflag.SliceValue)
		if !ok {
			return errors.New("want a single value, not a list")
		}
		var items []string
		for _, item := range v.Content {
			if item.Kind != yaml.ScalarNode {
				return errors.New("want a list of plain values")
			}
			items = append(items, item.Value)
		}
		return sv.Replace(items)
	}
	return errors.New("want a value or a list of values")
}
