package policy

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/bundle"
	"github.com/open-policy-agent/opa/v1/loader"
	"github.com/open-policy-agent/opa/v1/version"

	"github.com/plumbhq/plumb"
)

// Options say where a policy set comes from.
type Options struct {
	// Policy are .rego files or directories searched recursively for them
	// (conftest's --policy); _test.rego files load too, as in conftest.
	Policy []string
	// Data are JSON or YAML documents, or directories searched recursively
	// for them (conftest's --data), merged into data as OPA's loader does.
	Data []string
	// FS, if set, is where Policy and Data are read, as paths inside it
	// (a commit's tree); otherwise they are paths on disk.
	FS fs.FS
	// Env, as os.Environ gives it, is what opa.runtime().env shows policies.
	// conftest shows its whole environment; plumb's runs leave it nil so
	// no credential of the server ever reaches a policy.
	Env []string
	// NoNetwork (the server's sets) leaves out the builtins that reach the
	// network (http.send, net.*): a policy calling one does not compile, so
	// a policy cannot exfiltrate the plan or probe the server's network.
	NoNetwork bool
}

// Set is a loaded, compiled policy set. It is immutable after Load and safe
// for concurrent Checks.
type Set struct {
	compiler *ast.Compiler
	modules  []*ast.Module          // sorted by file name, so results come in a stable order
	parsed   map[string]*ast.Module // by file name, for Verify
	data     map[string]any
	runtime  *ast.Term
}

// Load reads and compiles a policy set once. A policy that does not parse
// or compile is an EINVALID error naming each file and line at fault.
func Load(opts Options) (*Set, error) {
	if len(opts.Policy) == 0 {
		return nil, plumb.Errorf(plumb.EINVALID, "policy: no policy directory given: pass --policy DIR")
	}
	stat := os.Stat
	if opts.FS != nil {
		stat = func(p string) (fs.FileInfo, error) { return fs.Stat(opts.FS, p) }
	}
	for _, p := range append(slices.Clone(opts.Policy), opts.Data...) {
		if _, err := stat(p); err != nil {
			return nil, plumb.Errorf(plumb.EINVALID, "policy: %s: %w", p, unwrapPath(err))
		}
	}
	res, err := loader.NewFileLoader().
		WithFS(opts.FS).
		WithProcessAnnotation(true).
		WithRegoVersion(ast.RegoV1).
		Filtered(opts.Policy, func(_ string, info os.FileInfo, _ int) bool {
			return !info.IsDir() && !strings.HasSuffix(info.Name(), bundle.RegoExt)
		})
	if err != nil {
		return nil, compileError(opts.Policy, "does not parse", err)
	}
	if len(res.Modules) == 0 {
		return nil, plumb.Errorf(plumb.EINVALID, "policy: no .rego files in %s", strings.Join(opts.Policy, ", "))
	}
	parsed := res.ParsedModules()
	compiler := ast.NewCompiler().WithEnablePrintStatements(true).WithCapabilities(capabilities(opts.NoNetwork))
	if compiler.Compile(parsed); compiler.Failed() {
		return nil, compileError(opts.Policy, "does not compile", compiler.Errors)
	}
	s := &Set{compiler: compiler, parsed: parsed, runtime: runtimeTerm(opts.Env)}
	for _, name := range sortedKeys(parsed) {
		s.modules = append(s.modules, parsed[name])
	}
	if err := checkIfWithoutContains(s.modules); err != nil {
		return nil, err
	}
	s.data = map[string]any{}
	if len(opts.Data) > 0 {
		docs, err := loader.NewFileLoader().WithFS(opts.FS).Filtered(opts.Data, func(_ string, info os.FileInfo, _ int) bool {
			return !info.IsDir() && !slices.Contains([]string{".yaml", ".yml", ".json"}, filepath.Ext(info.Name()))
		})
		if err != nil {
			return nil, plumb.Errorf(plumb.EINVALID, "policy: --data %s: %w", strings.Join(opts.Data, ", "), err)
		}
		s.data = docs.Documents
	}
	return s, nil
}

func capabilities(noNetwork bool) *ast.Capabilities {
	caps := ast.CapabilitiesForThisVersion()
	if noNetwork {
		caps.Builtins = slices.DeleteFunc(caps.Builtins, func(b *ast.Builtin) bool {
			return b.Name == "http.send" || strings.HasPrefix(b.Name, "net.")
		})
		caps.AllowNet = []string{} // empty, not nil: no host at all
	}
	return caps
}

// compileError lists every parse or compile error, each as FILE:LINE:
// code: message, which is what a policy author needs to fix them.
func compileError(dirs []string, what string, err error) error {
	var lines []string
	var astErrs ast.Errors
	var loadErrs loader.Errors
	switch {
	case errors.As(err, &astErrs):
		for _, e := range astErrs {
			lines = append(lines, e.Error())
		}
	case errors.As(err, &loadErrs):
		for _, e := range loadErrs {
			if errors.As(e, &astErrs) {
				for _, ae := range astErrs {
					lines = append(lines, ae.Error())
				}
				continue
			}
			lines = append(lines, e.Error())
		}
	default:
		lines = append(lines, err.Error())
	}
	return plumb.Errorf(plumb.EINVALID, "policy %s %s (Rego v1):\n  %s",
		strings.Join(dirs, ", "), what, strings.Join(lines, "\n  "))
}

// checkIfWithoutContains refuses `deny if { ... }`, as conftest does: in
// Rego v1 it makes deny a boolean, which conftest would count as a success
// whatever the plan (open-policy-agent/opa#6509).
func checkIfWithoutContains(modules []*ast.Module) error {
	for _, m := range modules {
		for _, r := range m.Rules {
			if r.Head == nil || r.Head.Name != "" || r.Head.Value == nil || len(r.Head.Reference) == 0 {
				continue
			}
			name := r.Head.Reference[0].Value.String()
			if (isFailure(name) || isWarning(name)) && r.Head.Value.String() == "true" {
				return plumb.Errorf(plumb.EINVALID, "policy %s:%d: rule %s uses 'if' without 'contains': write `%s contains msg if { ... }`",
					m.Package.Loc().File, r.Head.Location.Row, name, name)
			}
		}
	}
	return nil
}

// Namespaces are the packages the policies declare, without "data.",
// sorted: what --all-namespaces checks.
func (s *Set) Namespaces() []string {
	var out []string
	for _, m := range s.modules {
		ns := strings.TrimPrefix(m.Package.Path.String(), "data.")
		if !slices.Contains(out, ns) {
			out = append(out, ns)
		}
	}
	slices.Sort(out)
	return out
}

// Match resolves --namespace patterns as conftest does: literally when none
// has a glob character (a namespace no policy declares then checks nothing,
// with no error), otherwise the declared namespaces that match any pattern
// (path.Match; "." is an ordinary character).
func (s *Set) Match(patterns []string) ([]string, error) {
	if !slices.ContainsFunc(patterns, func(p string) bool { return strings.ContainsAny(p, "*?[") }) {
		return patterns, nil
	}
	var out []string
	for _, ns := range s.Namespaces() {
		for _, p := range patterns {
			ok, err := path.Match(p, ns)
			if err != nil {
				return nil, plumb.Errorf(plumb.EINVALID, "policy: --namespace %q: %w", p, err)
			}
			if ok {
				out = append(out, ns)
				break
			}
		}
	}
	return out, nil
}

// runtimeTerm is opa.runtime() as conftest builds it.
func runtimeTerm(env []string) *ast.Term {
	e := ast.NewObject()
	for _, kv := range env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			e.Insert(ast.StringTerm(k), ast.NullTerm())
			continue
		}
		e.Insert(ast.StringTerm(k), ast.StringTerm(v))
	}
	obj := ast.NewObject()
	obj.Insert(ast.StringTerm("env"), ast.NewTerm(e))
	obj.Insert(ast.StringTerm("version"), ast.StringTerm(version.Version))
	obj.Insert(ast.StringTerm("commit"), ast.StringTerm(version.Vcs))
	return ast.NewTerm(obj)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// unwrapPath drops *PathError's repetition of the path we already name.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
