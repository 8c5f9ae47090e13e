package drift_test

import (
	"bytes"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/drift"
)

func sweep() drift.Sweep {
	started := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	checked := started.Add(90 * time.Second)
	seen := map[string]time.Time{
		"local_file.a":      started.Add(-49 * time.Hour),
		"null_resource.new": started.Add(-2*time.Hour - 5*time.Minute),
	}
	both := drift.ClassifyJSON(mustRead("both"), nil)
	both.Resources[2].Acknowledged = &plumb.DriftAck{By: "alice", Reason: "b is regenerated <nightly>", Until: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)}
	firstSeen := func(f plumb.DriftFinding) time.Time { return seen[f.Address] }
	return drift.Sweep{
		Ref: "main", Commit: "0123abcd", StartedAt: started, FinishedAt: started.Add(2 * time.Minute),
		Projects: []drift.Project{
			drift.NewProject("app-dev", "envs/dev/app", "default", both, checked, firstSeen),
			drift.NewProject("clean", "envs/clean", "default", drift.ClassifyJSON(mustRead("clean_1"), nil), checked, nil),
			drift.NewProject("broken", "envs/broken", "", drift.Classify(nil, errors.New("tofu init: provider plumbhq/nosuch: not found")), checked, nil),
			drift.NewProject("all-acked", "envs/acked", "default", ackAll(drift.ClassifyJSON(mustRead("deleted_file"), nil)), checked, nil),
			drift.NewProject(`<script>alert("name")</script>`, `"><img src=x onerror=alert(1)>`, "ws", plumb.DriftResult{
				Status: plumb.DriftPendingOnly,
				Resources: []plumb.DriftFinding{{Address: `x.y["<b>"]`, Kind: plumb.DriftPending, Action: "update",
					Attributes: []string{`tags["</code><script>"]`}}},
			}, checked, nil),
		},
	}
}

func ackAll(r plumb.DriftResult) plumb.DriftResult {
	for i := range r.Resources {
		r.Resources[i].Acknowledged = &plumb.DriftAck{By: "bob", Reason: "r", Until: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
	}
	return r
}

func mustRead(name string) []byte {
	b, err := readFixture(name)
	if err != nil {
		panic(err)
	}
	return b
}

func TestDriftReport(t *testing.T) {
	var buf bytes.Buffer
	if err := drift.Report(&buf, sweep()); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, want := range []string{
		"<!DOCTYPE html>", "<style>",
		"ref <code>main</code>", "commit <code>0123abcd</code>", "started 2026-01-02T03:04:05Z", "finished 2026-01-02T03:06:05Z",
		"<h2>app-dev</h2>", `<span class="badge drifted_pending">drifted_pending</span>`,
		"dir <code>envs/dev/app</code>", "checked 2026-01-02T03:05:35Z",
		"<td><code>local_file.a</code></td>\n<td>out_of_band</td>\n<td>delete</td>",
		"<td>pending</td>\n<td>update</td>\n<td><code>content</code></td>",
		"<code>triggers.env</code>",
		// first seen, and since when
		"2025-12-31T02:04:05Z<br><span class=\"none\">2d 1h before the check</span>",
		"2026-01-02T00:59:05Z<br><span class=\"none\">2h 6m before the check</span>",
		// the acknowledged finding: who, until, why (escaped)
		`<tr class="acked">`, "acknowledged by alice until 2026-02-01T00:00:00Z<br>b is regenerated &lt;nightly&gt;",
		"<h2>clean</h2>", "No findings.",
		// acknowledging every finding of a project makes it clean
		"<h2>all-acked</h2><span class=\"badge clean\">clean</span>",
		"<pre>tofu init: provider plumbhq/nosuch: not found</pre>",
		"&lt;script&gt;alert(&#34;name&#34;)&lt;/script&gt;", "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;",
		"tags[&#34;&lt;/code&gt;&lt;script&gt;&#34;]",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	// Self-contained and inert: no script, no external asset, nothing
	// unescaped from the input.
	for _, bad := range []string{"<script", "<img", "src=\"", "href=", "url(", "@import"} {
		if strings.Contains(page, bad) {
			t.Errorf("report holds %q", bad)
		}
	}
	if n := len(regexp.MustCompile(`<section class="project">`).FindAllString(page, -1)); n != 5 {
		t.Errorf("%d project sections, want 5", n)
	}
}

func TestDriftReportEmpty(t *testing.T) {
	var buf bytes.Buffer
	if err := drift.Report(&buf, drift.Sweep{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"No projects were checked.", "started —", "0 project(s)"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("empty report lacks %q:\n%s", want, buf.String())
		}
	}
}
