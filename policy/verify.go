package policy

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/tester"

	"github.com/plumbhq/plumb"
)

// TestResult is one Rego unit test (a test_ rule) of a policy set.
type TestResult struct {
	Name    string // package.test_name
	File    string
	Row     int
	Passed  bool
	Skipped bool   // a todo_test_ rule
	Error   string // why it could not run, if it errored
	Output  string // what it print()ed
}

// Verify runs the set's Rego unit tests (conftest verify, opa test) against
// its data documents and returns them by file and line.
func (s *Set) Verify(ctx context.Context) ([]TestResult, error) {
	ch, err := tester.NewRunner().
		SetDefaultRegoVersion(ast.RegoV1).
		SetStore(inmem.NewFromObject(s.data)).
		SetRuntime(s.runtime).
		CapturePrintOutput(true).
		SetModules(s.parsed).
		RunTests(ctx, nil)
	if err != nil {
		return nil, plumb.Errorf(plumb.EINVALID, "policy: tests: %w", err)
	}
	var out []TestResult
	for r := range ch {
		t := TestResult{
			Name:    strings.TrimPrefix(r.Package, "data.") + "." + r.Name,
			Passed:  r.Pass(),
			Skipped: r.Skip,
			Output:  string(r.Output),
		}
		if r.Location != nil {
			t.File, t.Row = r.Location.File, r.Location.Row
		}
		if r.Error != nil {
			t.Error = r.Error.Error()
		}
		out = append(out, t)
	}
	// The runner reports in completion order; file and line is the order
	// an author reads them in.
	slices.SortFunc(out, func(a, b TestResult) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Row, b.Row), cmp.Compare(a.Name, b.Name))
	})
	return out, nil
}

// WriteVerify prints tests as conftest verify does, one verdict a line
// with what a failing test printed, then the counts; it returns how many
// failed or errored.
func WriteVerify(w io.Writer, tests []TestResult) int {
	var passed, failed, skipped int
	for _, t := range tests {
		verdict := "PASS"
		switch {
		case t.Skipped:
			verdict = "SKIP"
			skipped++
		case t.Error != "":
			verdict = "ERROR"
			failed++
		case !t.Passed:
			verdict = "FAIL"
			failed++
		default:
			passed++
		}
		fmt.Fprintf(w, "%-5s %s:%d: %s\n", verdict, t.File, t.Row, t.Name)
		if t.Error != "" {
			fmt.Fprintf(w, "      %s\n", t.Error)
		}
		if !t.Passed && t.Output != "" {
			fmt.Fprintf(w, "      %s\n", strings.ReplaceAll(strings.TrimSpace(t.Output), "\n", "\n      "))
		}
	}
	fmt.Fprintf(w, "\n%d %s, %d passed, %d failed, %d skipped\n", len(tests), Plural("test", len(tests)), passed, failed, skipped)
	return failed
}

// WriteRuns lists each plan's policy denials and warnings, one a line,
// under a plan table.
func WriteRuns(w io.Writer, runs []*plumb.Run) {
	for _, r := range runs {
		if r == nil || r.Policy == nil {
			continue
		}
		for _, d := range r.Policy.Deny {
			fmt.Fprintf(w, "policy: %s: DENY %s.%s: %s\n", r.Project, d.Namespace, d.Rule, d.Message)
		}
		for _, d := range r.Policy.Warn {
			fmt.Fprintf(w, "policy: %s: WARN %s.%s: %s\n", r.Project, d.Namespace, d.Rule, d.Message)
		}
	}
}
