package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/internal/testenv"
)

// TestPlanReadsEventsNotShow: with an OpenTofu that streams its plan's
// events (1.12.6), a plan whose changes the events fully describe starts
// the engine for init and plan only, never for `show -json`; a plan with
// a replacement (its order is only in the document) shows the plan again.
// Either way the run says the same as the document would: the engine's
// starts are counted by a wrapper around the real tofu.
func TestPlanReadsEventsNotShow(t *testing.T) {
	t.Parallel()
	tl := testenv.Load(t)
	real := tl.Path(t, testenv.Engine{Name: "tofu", Version: "1.12.6"})
	e := newE2E(t, "fixtures/basic")
	shims, calls := t.TempDir(), filepath.Join(t.TempDir(), "calls")
	script := "#!/bin/sh\necho \"$1\" >> " + calls + "\nexec " + real + " \"$@\"\n"
	if err := os.WriteFile(filepath.Join(shims, "tofu"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	e.repo.Write("plumb.yaml", "version: 1\nprojects:\n  - name: basic\n    dir: .\n    version: \"= 1.12.6\"\n")
	e.repo.Commit("tofu 1.12.6")
	e.env = append(e.env, "PLUMB_BIN_DIR="+shims)
	starts := func() []string {
		t.Helper()
		b, _ := os.ReadFile(calls)
		os.Remove(calls)
		var out []string
		for _, c := range strings.Fields(string(b)) {
			if c != "version" { // plumb asks a new binary its version once
				out = append(out, c)
			}
		}
		return out
	}

	out := e.runsOf(0, "plan")
	r := out.Runs[0]
	if r.EngineVersion != "1.12.6" || r.Status != "changes" || r.Summary.Add != 3 || len(r.Resources) != 3 {
		t.Fatalf("plan: %s %s, %+v, %v (%s)", r.EngineVersion, r.Status, r.Summary, r.Resources, r.Error)
	}
	if got := starts(); !slices.Equal(got, []string{"init", "plan"}) {
		t.Errorf("engine starts %v, want init and plan only: the events say all", got)
	}

	e.runsOf(0, "apply", "--auto-approve")
	starts()
	// A new length replaces the string and, through it, what depends on it.
	e.repo.Write("main.tf", strings.Replace(readFile(t, e.repo.Dir, "main.tf"), "length  = 8", "length  = 9", 1))
	e.repo.Commit("longer suffix")
	r = e.runsOf(0, "plan").Runs[0]
	if got := starts(); !slices.Contains(got, "show") {
		t.Errorf("engine starts %v: a replacement needs the plan document (show), which was not read", got)
	}
	if r.Summary.Replace == 0 || !slices.ContainsFunc(r.Resources, func(c plumb.ResourceChange) bool {
		return c.Address == "random_string.suffix" && len(c.Actions) == 2
	}) {
		t.Errorf("replacement plan: %+v, %+v", r.Summary, r.Resources)
	}
}
