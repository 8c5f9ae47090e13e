package policy_test

import (
	"path/filepath"
	"testing"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/policy"
)

// BenchmarkEvaluate is one run's policy check of a real plan with the
// example policies (issue 12's target: under 50 ms per plan).
func BenchmarkEvaluate(b *testing.B) {
	set := load(b, policy.Options{Policy: []string{filepath.Join("..", "examples", "policy")}})
	plan := planBytes(b, "mixed")
	in := plumb.PolicyInput{Project: "app-prod", Environment: "prod"}
	for b.Loop() {
		if _, err := set.Evaluate(b.Context(), "mixed.json", plan, in, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoad is compiling the example policy set, done once per server
// start (or per plumb policy test).
func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		load(b, policy.Options{Policy: []string{filepath.Join("..", "examples", "policy")}})
	}
}
