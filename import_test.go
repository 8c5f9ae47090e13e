package plumb_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/plumbhq/plumb"

// rule says which of plumb's own packages one package may import ("" is
// the root): imports for its code, tests for what its test files may use
// besides those and the package itself. Dependencies point inward: pure
// packages import only the root; runner and jobs orchestrate the pure ones;
// adapters import only the root; cmd/plumb alone wires everything. Every
// package has a rule, test-only ones too, so no name is exempt, and there
// are no exceptions: a test that needs an adapter it may not import is an
// integration test, and lives in cmd/plumb.
type rule struct {
	imports []string
	tests   []string
}

// production lists every package cmd/plumb may wire together: everything
// but the test-only helpers.
var production = []string{
	"", "planner", "policy", "drift", "engine", "runner", "runner/planout", "runner/rootmod", "runner/keptstate", "runner/runfiles", "jobs", "progress", "vcs", "vcs/markdown", "server", "server/dashboard", "queue",
	"store", "store/sqlite", "store/postgres", "internal/sqlstore", "s3store", "internal/sqlmigrate", "internal/flagsource", "internal/stopsignal",
}

var rules = map[string]rule{
	"":               {},
	"planner":        {imports: []string{""}, tests: []string{"internal/testenv"}},
	"policy":         {imports: []string{""}},
	"drift":          {imports: []string{""}},
	"engine":         {imports: []string{""}, tests: []string{"internal/testenv", "internal/releasetest"}},
	"runner":         {imports: []string{"", "planner", "policy", "drift", "engine", "runner/planout", "runner/rootmod", "runner/keptstate", "runner/runfiles"}, tests: []string{"internal/testenv"}},
	"runner/planout": {imports: []string{""}},
	"runner/rootmod": {},
	// Where plumb keeps the state of projects without a backend.
	"runner/keptstate": {imports: []string{"", "engine", "runner/rootmod"}, tests: []string{"internal/testenv", "internal/pgtest", "internal/pgcluster", "internal/s3test"}},
	// Where runs' files are kept: the data dir and the shared artifact store.
	"runner/runfiles": {imports: []string{"", "engine"}},
	"jobs":            {imports: []string{"", "planner", "policy", "drift", "engine", "runner", "runner/planout", "runner/rootmod", "runner/keptstate", "runner/runfiles"}, tests: []string{"internal/testenv"}},
	// The CLI's terminal view of a batch of runs.
	"progress": {imports: []string{"", "planner", "policy", "drift", "engine", "runner", "runner/planout", "runner/rootmod", "runner/keptstate", "runner/runfiles"}},

	// Adapters: each reaches plumb only through the root.
	"vcs":                 {imports: []string{"", "vcs/markdown"}, tests: []string{"internal/testenv", "vcs/githubtest"}},
	"vcs/markdown":        {imports: []string{""}},
	"server":              {imports: []string{"", "server/dashboard"}},
	"server/dashboard":    {imports: []string{""}},
	"queue":               {imports: []string{"", "internal/sqlmigrate"}, tests: []string{"internal/pgtest", "internal/pgcluster"}},
	"store":               {imports: []string{""}},
	"store/sqlite":        {imports: []string{"", "internal/sqlmigrate", "internal/sqlstore"}, tests: []string{"store/storetest"}},
	"store/postgres":      {imports: []string{"", "internal/sqlmigrate", "internal/sqlstore"}, tests: []string{"store/storetest", "internal/pgtest", "internal/pgcluster"}},
	"internal/sqlmigrate": {},
	// The SQL both stores share, each in its dialect.
	"internal/sqlstore": {imports: []string{""}},
	// Flag values from PLUMB_* variables and a YAML file.
	"internal/flagsource": {imports: []string{""}},
	// The context the programs stop on (SIGINT, SIGTERM).
	"internal/stopsignal": {},
	"s3store":             {imports: []string{""}, tests: []string{"internal/s3test"}},
	"internal/s3test":     {},

	// The binary: everything, and in its e2e tests the test helpers too.
	"cmd/plumb": {imports: production, tests: []string{"internal/testenv", "vcs/githubtest", "store/storetest", "internal/releasetest", "internal/pgtest", "internal/pgcluster", "internal/s3test"}},

	// Test-only helpers follow the same inward rule as their users: at most
	// the root.
	"internal/testenv":    {imports: []string{""}},
	"vcs/githubtest":      {imports: []string{""}},
	"store/storetest":     {imports: []string{""}},
	"internal/enginetest": {imports: []string{""}, tests: []string{"internal/testenv", "drift", "runner/planout"}},
	// The engine release mirror (engines on demand) needs none of plumb.
	"internal/releasetest": {},
	// The throwaway PostgreSQL server of the tests needs none either.
	"internal/pgtest": {imports: []string{"internal/pgcluster"}},
	// A throwaway PostgreSQL cluster, for pgtest and the webhook bench.
	"internal/pgcluster": {},
	// The stand-in provider and the benchmark drivers run plumb's binary
	// or are run by the engines: none needs plumb's packages.
	"internal/standin": {},
	"internal/standin/cmd/terraform-provider-standin": {imports: []string{"internal/standin"}},
	"internal/benchrun":     {},
	"internal/benchwebhook": {imports: []string{"internal/pgcluster"}},
	"internal/benchdrift":   {},
	// make dashboard's GitHub: the test server run as a program of its own.
	"internal/githubdemo": {imports: []string{"vcs/githubtest", "internal/stopsignal"}, tests: []string{"internal/testenv"}},
}

// pkg is what go list says of one package, with plumb's paths made
// module-relative.
type pkg struct {
	path                           string
	imports, testImports, xImports []string
	deps                           []string // transitive, of its code
}

func TestImportRules(t *testing.T) {
	pkgs := listPackages(t)
	deps := map[string][]string{}
	for _, p := range pkgs {
		deps[p.path] = p.deps
	}
	for _, p := range pkgs {
		r, ok := rules[p.path]
		if !ok {
			t.Errorf("package %s has no import rule: add it to rules in import_test.go", p.path)
			continue
		}
		for _, dep := range p.imports {
			if !slices.Contains(r.imports, dep) {
				t.Errorf("%s imports %s: not allowed (dependencies point inward; see import_test.go)", show(p.path), show(dep))
			}
		}
		// A test file may use the package itself, what the package may
		// import, and its test helpers, provided each brings in nothing
		// else: a helper that reaches an adapter is no way round the rule.
		allowed := append(append([]string{p.path}, r.imports...), r.tests...)
		for _, dep := range append(p.testImports, p.xImports...) {
			if !slices.Contains(allowed, dep) {
				t.Errorf("%s tests import %s: not allowed (see import_test.go)", show(p.path), show(dep))
				continue
			}
			for _, d := range deps[dep] {
				if !slices.Contains(allowed, d) {
					t.Errorf("%s tests import %s, which brings in %s: not allowed (see import_test.go)", show(p.path), show(dep), show(d))
				}
			}
		}
	}
}

// The root's own code uses only the standard library: no third-party
// package either.
func TestRootImportsOnlyStdlib(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{join .Imports "\n"}}`, ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, imp := range strings.Fields(string(out)) {
		if strings.Contains(strings.Split(imp, "/")[0], ".") {
			t.Errorf("the root package imports %s: it may use only the standard library", imp)
		}
	}
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	const f = `{{.ImportPath}}|{{join .Imports ","}}|{{join .TestImports ","}}|{{join .XTestImports ","}}|{{join .Deps ","}}`
	out, err := exec.Command("go", "list", "-f", f, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Split(line, "|")
		if len(fields) != 5 {
			t.Fatalf("go list: unexpected line %q", line)
		}
		path, _ := own(fields[0])
		pkgs = append(pkgs, pkg{path: path, imports: owned(fields[1]), testImports: owned(fields[2]),
			xImports: owned(fields[3]), deps: owned(fields[4])})
	}
	return pkgs
}

// owned keeps plumb's own packages of a comma-separated import list.
func owned(list string) []string {
	var out []string
	for _, imp := range strings.Split(list, ",") {
		if rel, ok := own(imp); ok {
			out = append(out, rel)
		}
	}
	return out
}

// own makes one of plumb's import paths module-relative ("" for the root).
func own(imp string) (string, bool) {
	if imp == module {
		return "", true
	}
	rel, ok := strings.CutPrefix(imp, module+"/")
	return rel, ok
}

func show(rel string) string {
	if rel == "" {
		return module
	}
	return module + "/" + rel
}
