package policy_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/policy"
)

// A policy set that cannot be used says which file and line, and why,
// before anything is checked.
func TestLoadErrors(t *testing.T) {
	t.Parallel()
	bad := func(name string) []string { return []string{filepath.Join("testdata", "bad", name)} }
	tests := []struct {
		name string
		opts policy.Options
		want []string // each must be in the message
	}{
		{"compile", policy.Options{Policy: bad("broken")}, []string{filepath.Join("testdata", "bad", "broken", "bad.rego") + ":4:", "undefined function undefined_function", "does not compile"}},
		{"if without contains", policy.Options{Policy: bad("iftrue")}, []string{filepath.Join("testdata", "bad", "iftrue", "iftrue.rego") + ":5", "deny contains msg if"}},
		{"no policies", policy.Options{Policy: []string{filepath.Join("testdata", "plans")}}, []string{"no .rego files in " + filepath.Join("testdata", "plans")}},
		{"missing dir", policy.Options{Policy: []string{"testdata/nope"}}, []string{"testdata/nope: no such file or directory"}},
		{"missing data", policy.Options{Policy: bad("nomsg"), Data: []string{"testdata/nope.json"}}, []string{"testdata/nope.json: no such file or directory"}},
		{"none given", policy.Options{}, []string{"--policy DIR"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := policy.Load(tt.opts)
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if plumb.ErrorCode(err) != plumb.EINVALID {
				t.Errorf("code %q, want invalid", plumb.ErrorCode(err))
			}
		})
	}
}

// An object result needs a string msg: conftest stops with an error, and so
// does Check.
func TestCheckObjectWithoutMsg(t *testing.T) {
	t.Parallel()
	set := load(t, policy.Options{Policy: []string{filepath.Join("testdata", "bad", "nomsg")}})
	_, err := set.Check(t.Context(), "noop.json", plan(t, "noop"), "main")
	if err == nil || !strings.Contains(err.Error(), `"msg" field must be present and a string`) || !strings.Contains(err.Error(), "noop.json") {
		t.Errorf("Check: %v, want the msg error naming the file", err)
	}
}

// A commit's tree is an fs.FS: policies and data load from it by the
// paths inside it, and errors name those paths.
func TestLoadFromFS(t *testing.T) {
	t.Parallel()
	tree := os.DirFS("testdata")
	set, err := policy.Load(policy.Options{FS: tree, Policy: []string{"policies"}, Data: []string{"data"}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := set.Check(t.Context(), "delete.json", plan(t, "delete"), "plumb.prod")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Failures) != 1 {
		t.Errorf("plumb.prod on delete with the tree's data: failures %v, want the protected one", messages(got.Failures))
	}
	_, err = policy.Load(policy.Options{FS: tree, Policy: []string{"bad/broken"}})
	if err == nil || !strings.Contains(err.Error(), "bad/broken/bad.rego:4:") {
		t.Errorf("Load from the tree: %v, want the error at bad/broken/bad.rego:4", err)
	}
	if _, err = policy.Load(policy.Options{FS: tree, Policy: []string{"nope"}}); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("Load of a dir missing from the tree: %v", err)
	}
}
