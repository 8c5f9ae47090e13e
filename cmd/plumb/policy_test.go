package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plumbhq/plumb"
)

var policyTestdata = filepath.Join(pkgDir, "..", "..", "policy", "testdata")

// runPolicyStdin runs plumb in-process with stdin.
func runPolicyStdin(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errb strings.Builder
	m := &Main{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Redactor: plumb.NewRedactor("fixture-secret-two"),
		Getenv: func(string) string { return "" }}
	code := m.Run(t.Context(), args)
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

// A plan on stdin is "-" in the text and "" in the JSON, as in conftest.
func TestPolicyTestStdin(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join(policyTestdata, "plans", "delete.json"))
	if err != nil {
		t.Fatal(err)
	}
	pol := filepath.Join(policyTestdata, "policies")
	got := runPolicyStdin(t, string(b), "policy", "test", "-p", pol, "-")
	want := "FAIL - - main - null_resource.legacy[0]: deleting is not allowed\n\n6 tests, 5 passed, 0 warnings, 1 failure, 0 exceptions\n"
	if got.code != 1 || got.stdout != want {
		t.Errorf("exit %d, stdout:\n%s\nwant exit 1 and:\n%s", got.code, got.stdout, want)
	}
	got = runPolicyStdin(t, string(b), "policy", "test", "-p", pol, "-o", "json", "-")
	if got.code != 1 || !strings.Contains(got.stdout, "\t\t\"filename\": \"\",\n") {
		t.Errorf("exit %d, stdout:\n%s\nwant exit 1 and an empty filename", got.code, got.stdout)
	}
}

// Text that leaves plumb goes through the redactor, a policy's message too.
func TestPolicyTestRedacts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rego := "package main\n\nwarn contains msg if {\n\tmsg := sprintf(\"token is %s\", [input.variables.token.value])\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "leak.rego"), []byte(rego), 0o644); err != nil {
		t.Fatal(err)
	}
	got := runPolicyStdin(t, "", "policy", "test", "-p", dir, filepath.Join(policyTestdata, "plans", "sensitive.json"))
	if got.code != 0 || strings.Contains(got.stdout, "fixture-secret-two") || !strings.Contains(got.stdout, "token is "+plumb.Redacted) {
		t.Errorf("exit %d, stdout:\n%s\nwant exit 0 and the token redacted", got.code, got.stdout)
	}
}

func TestPolicyTestBadOutput(t *testing.T) {
	t.Parallel()
	got := runPolicyStdin(t, "", "policy", "test", "-p", filepath.Join(policyTestdata, "policies"), "-o", "xml", filepath.Join(policyTestdata, "plans", "noop.json"))
	if got.code != 1 || !strings.Contains(got.stderr, `--output "xml": want stdout or json`) {
		t.Errorf("exit %d, stderr %q", got.code, got.stderr)
	}
}

func TestPolicyVerify(t *testing.T) {
	t.Parallel()
	got := runPolicyStdin(t, "", "policy", "verify", "-p", filepath.Join(pkgDir, "..", "..", "examples", "policy"))
	if got.code != 0 || !strings.Contains(got.stdout, "PASS  ") || !strings.Contains(got.stdout, " passed, 0 failed, 0 skipped\n") {
		t.Errorf("examples: exit %d, stdout:\n%s%s", got.code, got.stdout, got.stderr)
	}
	got = runPolicyStdin(t, "", "policy", "verify", "-p", filepath.Join(policyTestdata, "failing"))
	for _, want := range []string{"FAIL  ", "failing_test.rego:5: main.test_fails", "ERROR ", "3 tests, 1 passed, 2 failed, 0 skipped"} {
		if !strings.Contains(got.stdout, want) {
			t.Errorf("failing: stdout lacks %q:\n%s", want, got.stdout)
		}
	}
	if got.code != 1 {
		t.Errorf("failing: exit %d, want 1", got.code)
	}
	got = runPolicyStdin(t, "", "policy", "verify", "-p", filepath.Join(policyTestdata, "policies"))
	if got.code != 1 || !strings.Contains(got.stderr, "no Rego tests") {
		t.Errorf("no tests: exit %d, stderr %q", got.code, got.stderr)
	}
}
