package policy_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/plumbhq/plumb/policy"
)

// The plans are real `tofu show -json` documents made by
// scripts/policy-fixtures.sh from testdata/config; the policies under
// testdata/policies use every form of rule and result conftest knows.

func load(t testing.TB, opts policy.Options) *policy.Set {
	t.Helper()
	if opts.Policy == nil {
		opts.Policy = []string{filepath.Join("testdata", "policies")}
	}
	set, err := policy.Load(opts)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func plan(t testing.TB, name string) any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "plans", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := policy.ParseJSON(name, b)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func messages(rs []policy.Result) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Message)
	}
	return out
}

// summary is what conftest's standard output shows of a check.
type summary struct {
	Failures, Warnings, Exceptions []string
	Successes                      int
}

func summarise(r policy.CheckResult) summary {
	return summary{messages(r.Failures), messages(r.Warnings), messages(r.Exceptions), r.Successes}
}

// Namespace main has six rule bodies: deny, violation, warn (two bodies),
// deny_no_owner and warn_sensitive, plus an exception for no_owner that
// holds when terraform_data.app's owner is team-b.
func TestCheckPlans(t *testing.T) {
	t.Parallel()
	set := load(t, policy.Options{})
	const noOwner = `data.main.exception[_][_] == "no_owner"`
	tests := []struct {
		plan string
		want summary
	}{
		// Nothing matches: each rule's empty result is one success and the
		// second warn body tops them up to six.
		{"noop", summary{Successes: 6}},
		{"create", summary{
			Failures:  []string{"null_resource.legacy[0]: no owner tag"},
			Warnings:  []string{"local_file.secret: sensitive_content is sensitive"},
			Successes: 4,
		}},
		{"add", summary{Failures: []string{"null_resource.cache[0]: no owner tag"}, Successes: 5}},
		// The exception matches (owner team-b) and counts though the rule it
		// silences would have found nothing: conftest's counting.
		{"update", summary{
			Warnings:   []string{"terraform_data.app will be updated in place"},
			Exceptions: []string{noOwner},
			Successes:  4,
		}},
		{"replace", summary{
			Failures:  []string{"null_resource.blue: create before destroy is not allowed"},
			Warnings:  []string{"null_resource.server will be replaced"},
			Successes: 4,
		}},
		{"delete", summary{Failures: []string{"null_resource.legacy[0]: deleting is not allowed"}, Successes: 5}},
		// The sensitive value itself never appears: only that it is.
		{"sensitive", summary{
			Warnings:  []string{"local_file.secret will be replaced", "local_file.secret: sensitive_content is sensitive"},
			Successes: 4,
		}},
		// Seven results for six bodies: no success left; null_resource.cache's
		// missing owner is silenced by the exception.
		{"mixed", summary{
			Failures: []string{"null_resource.legacy[0]: deleting is not allowed", "null_resource.blue: create before destroy is not allowed"},
			Warnings: []string{"local_file.secret will be replaced", "null_resource.server will be replaced",
				"terraform_data.app will be updated in place", "local_file.secret: sensitive_content is sensitive"},
			Exceptions: []string{noOwner},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.plan, func(t *testing.T) {
			t.Parallel()
			got, err := set.Check(t.Context(), tt.plan+".json", plan(t, tt.plan), "main")
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, summarise(got)); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

// An object result keeps its other keys as metadata and _loc as location;
// a string result has only the query.
func TestCheckResultForms(t *testing.T) {
	t.Parallel()
	got, err := load(t, policy.Options{}).Check(t.Context(), "replace.json", plan(t, "replace"), "main")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Failures) != 1 {
		t.Fatalf("failures = %v, want the one violation", messages(got.Failures))
	}
	f := got.Failures[0]
	if f.Message != "null_resource.blue: create before destroy is not allowed" {
		t.Errorf("msg = %q", f.Message)
	}
	if d := cmp.Diff(&policy.Location{File: "main.tf", Line: "1"}, f.Location); d != "" {
		t.Errorf("_loc (-want +got):\n%s", d)
	}
	if d := cmp.Diff(map[string]any{"address": "null_resource.blue", "query": "data.main.violation"}, f.Metadata); d != "" {
		t.Errorf("object result's metadata (-want +got):\n%s", d)
	}
	if d := cmp.Diff(map[string]any{"query": "data.main.warn"}, got.Warnings[0].Metadata); d != "" {
		t.Errorf("string result's metadata (-want +got):\n%s", d)
	}
}

func TestCheckNamespaces(t *testing.T) {
	t.Parallel()
	withData := load(t, policy.Options{Data: []string{filepath.Join("testdata", "data")}})
	if d := cmp.Diff([]string{"main", "plumb.file", "plumb.prod"}, withData.Namespaces()); d != "" {
		t.Errorf("namespaces (-want +got):\n%s", d)
	}
	for pattern, want := range map[string][]string{
		"plumb.*":  {"plumb.file", "plumb.prod"},
		"*.prod":   {"plumb.prod"},
		"nowhere":  {"nowhere"}, // literal: checked, and finds no rules
		"nothing*": nil,
	} {
		got, err := withData.Match([]string{pattern})
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("Match(%q) (-want +got):\n%s", pattern, d)
		}
	}
	if _, err := withData.Match([]string{"[bad"}); err == nil || !strings.Contains(err.Error(), `"[bad"`) {
		t.Errorf("Match([bad): %v, want an error naming the pattern", err)
	}

	// data.protected comes only from --data.
	protected := "null_resource.legacy[0] is protected (data.protected) and would be deleted"
	for name, set := range map[string]*policy.Set{"with data": withData, "without data": load(t, policy.Options{})} {
		got, err := set.Check(t.Context(), "delete.json", plan(t, "delete"), "plumb.prod")
		if err != nil {
			t.Fatal(err)
		}
		want := summary{Failures: []string{protected}, Successes: 1}
		if name == "without data" {
			want = summary{Successes: 2}
		}
		if d := cmp.Diff(want, summarise(got)); d != "" {
			t.Errorf("%s (-want +got):\n%s", name, d)
		}
	}

	got, err := withData.Check(t.Context(), "delete.json", plan(t, "delete"), "nowhere")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(summary{}, summarise(got)); d != "" {
		t.Errorf("a namespace with no policies (-want +got):\n%s", d)
	}
}

// data.conftest.file is each check's own file, however many run at once.
func TestCheckFileName(t *testing.T) {
	t.Parallel()
	set := load(t, policy.Options{})
	doc := plan(t, "noop")
	for _, name := range []string{"a.json", "dir/b.json", "c.json", "d.json"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := set.Check(t.Context(), name, doc, "plumb.file")
			if err != nil {
				t.Fatal(err)
			}
			want := []string{filepath.Base(name) + ": plan format 1.2"}
			if d := cmp.Diff(want, messages(got.Warnings)); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

// A top-level array is several documents under one file name, as in
// conftest: results and successes add up.
func TestCheckArrayOfDocuments(t *testing.T) {
	t.Parallel()
	got, err := load(t, policy.Options{}).Check(t.Context(), "both.json", []any{plan(t, "delete"), plan(t, "noop")}, "main")
	if err != nil {
		t.Fatal(err)
	}
	want := summary{Failures: []string{"null_resource.legacy[0]: deleting is not allowed"}, Successes: 11}
	if d := cmp.Diff(want, summarise(got)); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}
