package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plumbhq/plumb/drift"
)

// driftOf runs plumb drift --json with args, requiring the exit code, and
// returns its projects by name.
func (e *e2e) driftOf(wantCode int, args ...string) (drift.SweepJSON, map[string]drift.ProjectJSON) {
	e.t.Helper()
	res := e.plumb(append([]string{"drift", "--json"}, args...)...)
	if res.code != wantCode {
		e.t.Fatalf("plumb drift %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), res.code, wantCode, res.stdout, res.stderr)
	}
	var out drift.SweepJSON
	if err := json.Unmarshal([]byte(res.stdout), &out); err != nil {
		e.t.Fatalf("plumb drift --json: %v\n%s", err, res.stdout)
	}
	if out.FormatVersion != "1" || out.Commit == "" || out.StartedAt.IsZero() || out.FinishedAt.Before(out.StartedAt) {
		e.t.Errorf("drift header = %+v", out)
	}
	byName := map[string]drift.ProjectJSON{}
	for _, p := range out.Projects {
		byName[p.Name] = p
	}
	return out, byName
}

// findings is a project's findings as "address kind action [attrs]",
// acknowledged ones marked, sorted.
func findings(p drift.ProjectJSON) []string {
	var out []string
	for _, f := range p.Resources {
		s := f.Address + " " + string(f.Kind) + " " + f.Action
		if len(f.Attributes) > 0 {
			s += " [" + strings.Join(f.Attributes, ",") + "]"
		}
		if f.Acknowledged != nil {
			s += " (acknowledged by " + f.Acknowledged.By + ": " + f.Acknowledged.Reason + ")"
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

func wantDrift(t *testing.T, got map[string]drift.ProjectJSON, name, status string, want ...string) {
	t.Helper()
	p, ok := got[name]
	if !ok {
		t.Fatalf("no %s in the sweep: %v", name, got)
	}
	if p.Status != status {
		t.Errorf("%s: status %s, want %s (error %q, findings %v)", name, p.Status, status, p.Error, findings(p))
	}
	if f := findings(p); !slices.Equal(f, want) && !(len(f) == 0 && len(want) == 0) {
		t.Errorf("%s: findings\n  %s\nwant\n  %s", name, strings.Join(f, "\n  "), strings.Join(want, "\n  "))
	}
}

// TestDriftCLI sweeps real projects with real tofu and providers: files
// deleted and edited out of band, an expired time_rotating, config merged
// but not applied, both at once, a project that cannot init, untouched
// projects clean sweep after sweep, and acknowledgements that hold until
// they expire.
func TestDriftCLI(t *testing.T) {
	e := newE2E(t, "fixtures/drift")
	if res := e.plumb("apply", "--auto-approve", "-p", "files", "-p", "rotating", "-p", "stable", "-p", "config"); res.code != 0 {
		t.Fatalf("apply: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}

	// Right after the apply: only the expired time_rotating has drifted,
	// broken cannot init, and an error wins the exit code.
	sweep, got := e.driftOf(1)
	if sweep.Ref != "main" {
		t.Errorf("ref = %q, want the default branch main", sweep.Ref)
	}
	if _, ok := got["quiet"]; ok {
		t.Error("quiet has drift.enabled: false but was checked")
	}
	wantDrift(t, got, "files", "clean")
	wantDrift(t, got, "stable", "clean")
	wantDrift(t, got, "config", "clean")
	wantDrift(t, got, "rotating", "drifted", "time_rotating.key out_of_band delete")
	wantDrift(t, got, "broken", "error")
	if !strings.Contains(got["broken"].Error, "hashicorp/nope") {
		t.Errorf("broken's error does not name the provider it lacks: %q", got["broken"].Error)
	}

	// Untouched projects stay clean, sweep after sweep: no false positive.
	for range 2 {
		_, got = e.driftOf(0, "-p", "files", "-p", "stable", "-p", "config")
		wantDrift(t, got, "files", "clean")
		wantDrift(t, got, "stable", "clean")
		wantDrift(t, got, "config", "clean")
	}

	// Out of band: a.txt deleted, b.txt edited (hashicorp/local drops both
	// from state). Merged, not applied: config's trigger and a third file.
	must(t, os.Remove(filepath.Join(e.outDir, "a.txt")))
	must(t, os.WriteFile(filepath.Join(e.outDir, "b.txt"), []byte("edited by hand\n"), 0o644))
	e.repo.Write("config/main.tf", strings.Replace(readFile(t, e.repo.Dir, "config/main.tf"), `v = "1"`, `v = "2"`, 1))
	e.repo.Write("files/extra.tf", "resource \"local_file\" \"c\" {\n  filename = \"${var.out_dir}/c.txt\"\n  content  = \"c\\n\"\n}\n")
	e.repo.Commit("merged, not applied")
	report := filepath.Join(t.TempDir(), "drift.html")
	_, got = e.driftOf(2, "-p", "files", "-p", "config", "-p", "stable", "--report-out", report)
	wantDrift(t, got, "files", "drifted_pending",
		"local_file.a out_of_band delete", "local_file.b out_of_band delete", "local_file.c pending create")
	wantDrift(t, got, "config", "pending", "null_resource.n pending replace [triggers.v]")
	wantDrift(t, got, "stable", "clean")
	html := readFile(t, "", report)
	for _, want := range []string{"local_file.a", "out_of_band", "null_resource.n", "drifted_pending"} {
		if !strings.Contains(html, want) {
			t.Errorf("report lacks %q", want)
		}
	}

	// An acknowledgement of a.txt keeps it out of the status; one of all of
	// config's findings makes it clean; the one that expires comes back.
	if res := e.plumb("drift", "ack", "-p", "files", "--address", "local_file.a", "--until", "14d", "--reason", "known: being moved"); res.code != 0 {
		t.Fatalf("ack: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	// The acknowledgement's clock starts inside the ack command: taken
	// before it, the check below is honest whatever the machine's load.
	const holds = 15 * time.Second
	before := time.Now()
	if res := e.plumb("drift", "ack", "-p", "config", "--until", "15s", "--reason", "release tomorrow"); res.code != 0 {
		t.Fatalf("ack: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	_, got = e.driftOf(2, "-p", "files", "-p", "config")
	if p := got["files"]; p.Status != "drifted_pending" || len(p.Resources) != 3 || p.Resources[0].Acknowledged == nil ||
		p.Resources[0].Acknowledged.Reason != "known: being moved" || p.Resources[1].Acknowledged != nil {
		t.Errorf("files after acknowledging local_file.a: %s %v", p.Status, findings(p))
	}
	if time.Since(before) < holds {
		wantDrift(t, got, "config", "clean", "null_resource.n pending replace [triggers.v] (acknowledged by "+whoami()+": release tomorrow)")
	} else {
		t.Logf("the sweep took over %s: the acknowledgement had expired, its hold is not checked", holds)
	}
	time.Sleep(time.Until(before.Add(holds + time.Second)))
	_, got = e.driftOf(2, "-p", "config")
	wantDrift(t, got, "config", "pending", "null_resource.n pending replace [triggers.v]")

	// A bad --until and an unknown ack are clear errors.
	if res := e.plumb("drift", "ack", "-p", "files", "--until", "someday", "--reason", "x"); res.code != 1 || !strings.Contains(res.stderr, "--until") {
		t.Errorf("bad --until: exit %d, stderr %q", res.code, res.stderr)
	}
	if res := e.plumb("drift", "unack", "nope"); res.code != 1 || !strings.Contains(res.stderr, "plumb drift acks") {
		t.Errorf("unack of an unknown id: exit %d, stderr %q", res.code, res.stderr)
	}
}

func readFile(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
