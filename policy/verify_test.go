package policy_test

import (
	"path/filepath"
	"testing"

	"github.com/plumbhq/plumb/policy"
)

// The example policies' own Rego unit tests (examples/policy/*_test.rego)
// run here, so `make test` runs them.
func TestVerifyExamples(t *testing.T) {
	set, err := policy.Load(policy.Options{Policy: []string{filepath.Join("..", "examples", "policy")}})
	if err != nil {
		t.Fatal(err)
	}
	tests, err := set.Verify(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(tests) < 10 {
		t.Errorf("examples/policy has %d Rego tests, want at least 10 (were the _test.rego files loaded?)", len(tests))
	}
	for _, r := range tests {
		if !r.Passed {
			t.Errorf("%s:%d: %s: failed %s%s", r.File, r.Row, r.Name, r.Error, r.Output)
		}
	}
}

func TestVerifyReportsFailuresAndErrors(t *testing.T) {
	set, err := policy.Load(policy.Options{Policy: []string{filepath.Join("testdata", "failing")}})
	if err != nil {
		t.Fatal(err)
	}
	tests, err := set.Verify(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range tests {
		switch {
		case r.Error != "":
			got[r.Name] = "error"
		case !r.Passed:
			got[r.Name] = "fail"
		default:
			got[r.Name] = "pass"
		}
		if r.File == "" || r.Row == 0 {
			t.Errorf("%s: no file and line", r.Name)
		}
	}
	want := map[string]string{"main.test_fails": "fail", "main.test_errors": "error", "main.test_passes": "pass"}
	for name, verdict := range want {
		if got[name] != verdict {
			t.Errorf("%s: got %q, want %q (all: %v)", name, got[name], verdict, got)
		}
	}
}
