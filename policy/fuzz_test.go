package policy_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/policy"
)

// Whatever document arrives (a plan file from a user, a plan an engine
// wrote), checking it never panics: it passes, fails or errors.
func FuzzCheck(f *testing.F) {
	plans, _ := filepath.Glob(filepath.Join("testdata", "plans", "*.json"))
	for _, p := range plans {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"resource_changes":[{"change":{"actions":"delete","after_sensitive":[true]}}]}`))
	f.Add([]byte(`[{"resource_changes":null},1,"x"]`))
	f.Add([]byte("\xef\xbb\xbf{}"))
	set := load(f, policy.Options{Data: []string{filepath.Join("testdata", "data")}})
	examples := load(f, policy.Options{Policy: []string{filepath.Join("..", "examples", "policy")}})
	f.Fuzz(func(t *testing.T, b []byte) {
		doc, err := policy.ParseJSON("fuzz.json", b)
		if err != nil {
			return
		}
		for _, ns := range set.Namespaces() {
			if _, err := set.Check(t.Context(), "fuzz.json", doc, ns); err != nil {
				t.Logf("check %s: %v", ns, err)
			}
		}
		if _, err := examples.Evaluate(t.Context(), "fuzz.json", b, plumb.PolicyInput{Environment: "prod"}, nil); err != nil {
			t.Logf("evaluate: %v", err)
		}
	})
}
