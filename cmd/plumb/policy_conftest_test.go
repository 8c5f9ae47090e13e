package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/internal/testenv"
)

// The side-by-side test: conftest (built by make tools from its Go module)
// and `plumb policy test` on the same policies and real tofu plans
// (policy/testdata, made by scripts/policy-fixtures.sh) must agree on every
// verdict, count, message and exit code, in both output formats.
//
// conftest orders its results by Go map iteration where several files,
// several modules of one namespace or --all-namespaces are involved, so
// it differs from run to run; there the outputs are compared with their
// entries and each entry's results sorted. Where conftest's order is fixed
// (exact), the outputs must be byte for byte the same.
func TestConftestSideBySide(t *testing.T) {
	conftest := testenv.Load(t).Conftest(t)
	root := filepath.Join(pkgDir, "..", "..")
	td := filepath.Join(root, "policy", "testdata")
	policies, data := filepath.Join(td, "policies"), filepath.Join(td, "data")
	examples := filepath.Join(root, "examples", "policy")
	plans, err := filepath.Glob(filepath.Join(td, "plans", "*.json"))
	if err != nil || len(plans) < 8 {
		t.Fatalf("policy/testdata/plans: %d plans (%v): run scripts/policy-fixtures.sh", len(plans), err)
	}
	plan := func(name string) string { return filepath.Join(td, "plans", name+".json") }

	type tcase struct {
		name  string
		args  []string // flags, then files
		exact bool
	}
	var cases []tcase
	for _, p := range plans {
		base := strings.TrimSuffix(filepath.Base(p), ".json")
		cases = append(cases,
			tcase{"main/" + base, []string{"-p", policies, p}, false},
			tcase{"fail-on-warn/" + base, []string{"-p", policies, "--fail-on-warn", p}, false},
			// Only warn_replace ever matches without input.plumb: one rule, a
			// fixed order.
			tcase{"examples/" + base, []string{"-p", examples, p}, true},
		)
	}
	all := append([]string{"-p", policies}, plans...)
	cases = append(cases,
		tcase{"all plans", all, false},
		tcase{"all namespaces", append([]string{"--all-namespaces"}, all...), false},
		tcase{"all namespaces fail-on-warn", append([]string{"--all-namespaces", "--fail-on-warn"}, all...), false},
		tcase{"all namespaces data", append([]string{"--all-namespaces", "--data", data}, all...), false},
		tcase{"namespace glob", append([]string{"--namespace", "plumb.*"}, all...), false},
		tcase{"namespaces main and prod with data", append([]string{"-n", "main", "-n", "plumb.prod", "-d", filepath.Join(data, "protected.json")}, all...), false},
		tcase{"namespace prod data delete", []string{"-p", policies, "--namespace", "plumb.prod", "--data", data, plan("delete")}, true},
		tcase{"namespace prod data mixed fail-on-warn", []string{"-p", policies, "--namespace", "plumb.prod", "--data", data, "--fail-on-warn", plan("mixed")}, true},
		tcase{"namespace prod without data", []string{"-p", policies, "--namespace", "plumb.prod", plan("mixed")}, true},
		tcase{"namespace file", []string{"-p", policies, "--namespace", "plumb.file", plan("noop")}, true},
		tcase{"namespace file fail-on-warn", []string{"-p", policies, "--namespace", "plumb.file", "--fail-on-warn", plan("noop")}, true},
		tcase{"namespace nowhere", []string{"-p", policies, "--namespace", "nowhere", plan("mixed")}, true},
		tcase{"namespace glob matching nothing", []string{"-p", policies, "--namespace", "nothing*", plan("mixed")}, true},
		tcase{"a directory of plans", []string{"-p", policies, "-n", "plumb.prod", filepath.Join(td, "plans")}, false},
	)
	var mu sync.Mutex
	codes := map[int]bool{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, asJSON := range []bool{false, true} {
				cArgs := append([]string{"test", "--no-color"}, tc.args...)
				pArgs := append([]string{"policy", "test"}, tc.args...)
				if asJSON {
					cArgs, pArgs = append(cArgs, "--output", "json"), append(pArgs, "--json")
				}
				want := runConftest(t, conftest, cArgs...)
				got := runPlumbPolicy(t, pArgs...)
				if got.code != want.code {
					t.Errorf("json=%v: exit %d, conftest %d\nplumb: %s%s\nconftest: %s%s", asJSON, got.code, want.code, got.stdout, got.stderr, want.stdout, want.stderr)
				}
				mu.Lock()
				codes[want.code] = true
				mu.Unlock()
				if d := cmp.Diff(canonical(t, want.stdout, asJSON), canonical(t, got.stdout, asJSON)); d != "" {
					t.Errorf("json=%v: output differs from conftest's (-conftest +plumb):\n%s", asJSON, d)
				} else if tc.exact && got.stdout != want.stdout {
					t.Errorf("json=%v: output not byte for byte conftest's:\n--- conftest\n%s--- plumb\n%s", asJSON, want.stdout, got.stdout)
				}
			}
		})
	}
	t.Cleanup(func() {
		// The cases must reach every exit code conftest has: pass or
		// warnings only, failures, and failures with --fail-on-warn.
		for _, c := range []int{0, 1, 2} {
			if !codes[c] && !t.Failed() {
				t.Errorf("no case exited %d", c)
			}
		}
	})
}

// Policies or files that cannot be used: both exit 1 with a message.
func TestConftestSideBySideErrors(t *testing.T) {
	conftest := testenv.Load(t).Conftest(t)
	td := filepath.Join(pkgDir, "..", "..", "policy", "testdata")
	noop := filepath.Join(td, "plans", "noop.json")
	for name, args := range map[string][]string{
		"does not compile":    {"-p", filepath.Join(td, "bad", "broken"), noop},
		"if without contains": {"-p", filepath.Join(td, "bad", "iftrue"), noop},
		"result without msg":  {"-p", filepath.Join(td, "bad", "nomsg"), noop},
		"no policies":         {"-p", filepath.Join(td, "plans"), noop},
		"missing file":        {"-p", filepath.Join(td, "policies"), filepath.Join(td, "nope.json")},
		"not JSON":            {"-p", filepath.Join(td, "policies"), filepath.Join(td, "notjson.json")},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			want := runConftest(t, conftest, append([]string{"test", "--no-color"}, args...)...)
			got := runPlumbPolicy(t, append([]string{"policy", "test"}, args...)...)
			if got.code != 1 || want.code != 1 {
				t.Errorf("exit %d, conftest %d: want 1 from both\nplumb: %s\nconftest: %s", got.code, want.code, got.stderr, want.stderr)
			}
			if !strings.HasPrefix(got.stderr, "plumb: ") || got.stdout != "" {
				t.Errorf("plumb: stdout %q, stderr %q: want only the error on stderr", got.stdout, got.stderr)
			}
		})
	}
}

func runConftest(t *testing.T, bin string, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("conftest %s: %v", strings.Join(args, " "), err)
	}
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

// runPlumbPolicy runs plumb in-process, with the process's environment as
// conftest gets it (opa.runtime), without changing directory.
func runPlumbPolicy(t *testing.T, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	m := &Main{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Redactor: plumb.NewRedactor(),
		Getenv: func(string) string { return "" }, Environ: os.Environ}
	code := m.Run(t.Context(), args)
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

// canonical is output with conftest's unordered parts sorted: JSON entries
// by file and namespace with their results sorted, or text lines sorted.
func canonical(t *testing.T, out string, asJSON bool) string {
	t.Helper()
	if !asJSON {
		lines := strings.Split(out, "\n")
		slices.Sort(lines)
		return strings.Join(lines, "\n")
	}
	var entries []map[string]any
	if err := json.Unmarshal([]byte(out), &entries); err != nil {
		t.Fatalf("not a JSON array: %v\n%s", err, out)
	}
	var keys []string
	for _, e := range entries {
		for _, k := range []string{"warnings", "failures", "exceptions", "skipped"} {
			if rs, ok := e[k].([]any); ok {
				slices.SortFunc(rs, func(a, b any) int { return strings.Compare(marshal(t, a), marshal(t, b)) })
			}
		}
		keys = append(keys, marshal(t, e))
	}
	slices.Sort(keys)
	return strings.Join(keys, "\n")
}

func marshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
