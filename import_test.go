package plumb_test

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/plumbhq/plumb"

// allowed says which of plumb's own packages each package may import.
// Dependencies point inward: pure packages import only the root; runner
// orchestrates the pure ones; adapters import only the root; cmd/plumb alone
// wires everything. Test-only packages (internal/testenv, */*test) are free.
var allowed = map[string][]string{
	"":               {},
	"planner":        {""},
	"policy":         {""},
	"drift":          {""},
	"runner":         {"", "planner", "policy", "drift"},
	"vcs":            {""},
	"server":         {""},
	"store":          {""},
	"queue":          {"", "internal/sqlmigrate"},
	"store/sqlite":   {"", "internal/sqlmigrate"},
	"store/postgres": {""},
}

func TestImportRules(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports ","}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, " ")
		rel := strings.TrimPrefix(strings.TrimPrefix(pkg, module), "/")
		if isFree(rel) {
			continue
		}
		allow, ok := allowed[rel]
		if !ok {
			t.Errorf("package %s has no import rule: add it to allowed in import_test.go", pkg)
			continue
		}
		for _, imp := range strings.Split(imports, ",") {
			if rel == "" && imp != "" && strings.Contains(strings.Split(imp, "/")[0], ".") {
				t.Errorf("the root package imports %s: it may use only the standard library", imp)
			}
			if imp != module && !strings.HasPrefix(imp, module+"/") {
				continue
			}
			dep := strings.TrimPrefix(strings.TrimPrefix(imp, module), "/")
			if !contains(allow, dep) {
				t.Errorf("%s imports %s: not allowed (dependencies point inward; see import_test.go)", pkg, imp)
			}
		}
	}
}

// isFree reports packages outside the layering: the binary that wires
// everything, test-only helpers and the stand-in provider.
func isFree(rel string) bool {
	return rel == "cmd/plumb" || strings.HasPrefix(rel, "internal/") || strings.HasSuffix(rel, "test")
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
