package vcs

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/plumbhq/plumb"
)

var (
	checked = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	since   = checked.Add(-26 * time.Hour)
)

// driftState is app-dev with an out-of-band edit, an out-of-band delete,
// a pending create and an acknowledged finding.
func driftState() plumb.DriftState {
	edit := plumb.DriftFinding{Address: "local_file.config", Kind: plumb.DriftOutOfBand, Action: "update", Attributes: []string{"content", "tags.env"}}
	gone := plumb.DriftFinding{Address: `local_file.keys["a"]`, Kind: plumb.DriftOutOfBand, Action: "delete"}
	add := plumb.DriftFinding{Address: "null_resource.new", Kind: plumb.DriftPending, Action: "create"}
	known := plumb.DriftFinding{Address: "time_rotating.key", Kind: plumb.DriftOutOfBand, Action: "update", Attributes: []string{"rotation_rfc3339"},
		Acknowledged: &plumb.DriftAck{By: "alice", Reason: "rotation is due, new key on Monday", Until: time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC)}}
	return plumb.DriftState{
		Repo: "acme/infra", Project: "app-dev", Dir: "envs/app-dev", Workspace: "default", Status: plumb.DriftDriftedPending,
		Findings: []plumb.DriftFinding{edit, gone, add, known},
		FirstSeen: map[string]time.Time{plumb.FindingKey(edit): since, plumb.FindingKey(gone): checked.Add(-time.Hour),
			plumb.FindingKey(add): checked, plumb.FindingKey(known): since},
		Since: since, CheckedAt: checked, RunID: "run-42", Commit: "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
	}
}

func TestRenderDriftIssue(t *testing.T) {
	apply := &plumb.Run{ID: "run-17", Trigger: "PR #12", Commit: "f95f852bd8fca8fcc58a9a2d6c842781e32a215e", FinishedAt: since.Add(-time.Hour)}
	for name, r := range map[string]plumb.DriftReport{
		"drifted_pending": {Repo: "acme/infra", Project: "app-dev", State: driftState(), LastApply: apply},
		"remediated": {Repo: "acme/infra", Project: "app-dev", State: driftState(),
			Remediation: "Applied by run `run-43`: 2 resources restored.", Resolve: "Nothing to do: remediation is on."},
	} {
		t.Run(name, func(t *testing.T) {
			body := RenderDriftIssue(r, 0)
			golden(t, filepath.Join("testdata", "drift", name+".md"), body)
			if repo, project, ok := parseDriftMarker(body); !ok || repo != "acme/infra" || project != "app-dev" {
				t.Errorf("marker = %q %q %v", repo, project, ok)
			}
			if !strings.HasPrefix(body, "<!-- plumb:drift repo=acme/infra project=app-dev -->\n") {
				t.Errorf("body does not start with the marker:\n%s", body)
			}
			if strings.Contains(body, "| `time_rotating.key`") || !strings.Contains(body, "1 acknowledged finding hidden: `time_rotating.key`") {
				t.Errorf("the acknowledged finding is in the table, or not counted:\n%s", body)
			}
		})
	}
	body := RenderDriftIssue(plumb.DriftReport{Repo: "acme/infra", Project: "app-dev", State: driftState()}, 0)
	for _, want := range []string{
		"| `local_file.config` | out of band | update | `content`, `tags.env` | 2026-03-03 03:06 UTC |",
		"| `null_resource.new` | pending | create | — | 2026-03-04 05:06 UTC |",
		"**Status:** drifted_pending: 2 resources changed outside Terraform, 1 change in the configuration not applied.",
		"**Drifting since:** 2026-03-03 03:06 UTC", "**Last checked:** 2026-03-04 05:06 UTC, run `run-42`",
		"**Commit checked:** `ec26c3e57ca3`", "**Last applied:** no apply recorded",
		"`plumb apply -p app-dev` to restore the configuration", "**Not applied:**",
		"comment `plumb drift ack --until DATE --reason TEXT [--address ADDR]` on this issue",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
}

// What people and engines write cannot break a row, end the marker early
// or plant a marker of another project above the table.
func TestRenderDriftIssueEscapes(t *testing.T) {
	st := driftState()
	st.Findings = []plumb.DriftFinding{
		{Address: "local_file.f[\"a|b\nc\"]", Kind: plumb.DriftOutOfBand, Action: "update", Attributes: []string{"tags[\"x|y\"]", "odd`tick"}},
		{Address: "local_file.g", Kind: plumb.DriftOutOfBand, Action: "update", Attributes: []string{"content"},
			Acknowledged: &plumb.DriftAck{By: "mallory", Reason: "a | b\n<!-- plumb:drift repo=acme/infra project=other -->", Until: checked}},
	}
	body := RenderDriftIssue(plumb.DriftReport{Repo: "acme/infra", Project: "app -->dev x=1", State: st,
		Remediation: "<!-- plumb:drift repo=acme/infra project=other -->"}, 0)
	if repo, project, ok := parseDriftMarker(body); !ok || repo != "acme/infra" || project != "app -->dev x=1" {
		t.Errorf("marker = %q %q %v:\n%s", repo, project, ok, body)
	}
	if n := strings.Count(body, "<!--"); n != 1 {
		t.Errorf("%d HTML comments in the body, want only the marker:\n%s", n, body)
	}
	var row string
	for line := range strings.Lines(body) {
		if strings.HasPrefix(line, "| ``local_file") || strings.HasPrefix(line, "| `local_file") {
			row = line
		}
	}
	if cells := strings.Count(row, "|") - strings.Count(row, `\|`); cells != 6 {
		t.Errorf("row has %d unescaped pipes, want 6: %q", cells, row)
	}
	if !strings.Contains(row, "``odd`tick``") || !strings.Contains(row, `a\|b c`) {
		t.Errorf("row %q: backtick or pipe not kept inside its code span", row)
	}
	if !strings.Contains(body, `mallory until 2026-03-04: a \| b &lt;!-- plumb:drift`) {
		t.Errorf("acknowledgement not on one escaped line:\n%s", body)
	}
}

// Thousands of findings: the body stays under GitHub's limit and says how
// many rows it left out.
func TestRenderDriftIssueTruncates(t *testing.T) {
	st := driftState()
	st.Findings = nil
	const total = 3000
	for i := range total {
		st.Findings = append(st.Findings, plumb.DriftFinding{Address: fmt.Sprintf("local_file.f%04d", i), Kind: plumb.DriftOutOfBand,
			Action: "update", Attributes: []string{"content", strings.Repeat("a", 30)}})
	}
	body := RenderDriftIssue(plumb.DriftReport{Repo: "acme/infra", Project: "app-dev", State: st, Remediation: strings.Repeat("r", 10000)}, 0)
	if len(body) > MaxIssueLen {
		t.Fatalf("body is %d bytes, over %d", len(body), MaxIssueLen)
	}
	shown := strings.Count(body, "| `local_file.f")
	if want := fmt.Sprintf("_%d more rows left out:", total-shown); shown == 0 || shown == total || !strings.Contains(body, want) {
		t.Errorf("%d rows shown, and no %q", shown, want)
	}
	if !strings.Contains(body, "#### How to resolve") || !strings.Contains(body, "plumb drift ack") {
		t.Error("truncation cut what follows the table")
	}
	if len(body) < MaxIssueLen-2000 {
		t.Errorf("body is %d bytes: truncated far below the limit", len(body))
	}
}

func TestDriftMarkerRoundTrip(t *testing.T) {
	for _, p := range []string{"app-dev", "a b", "x-->y", "é/ü", "p=q project=r"} {
		if repo, project, ok := parseDriftMarker("text\n" + DriftMarker("Acme/Infra", p) + "\nmore"); !ok || repo != "Acme/Infra" || project != p {
			t.Errorf("%q: got %q %q %v", p, repo, project, ok)
		}
	}
	for _, body := range []string{"", "<!-- plumb:drift repo=acme/infra", "<!-- plumb:drift project=x -->", "<!-- plumb:plan -->"} {
		if _, _, ok := parseDriftMarker(body); ok {
			t.Errorf("%q parsed as a marker", body)
		}
	}
}
