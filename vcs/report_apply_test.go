package vcs_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/vcs/githubtest"
	"github.com/plumbhq/plumb/vcs/markdown"
)

const mergeSHA = "9b1d3c5e7f9b1d3c5e7f9b1d3c5e7f9b1d3c5e7f"

func applyReport(runs ...*plumb.Run) plumb.PlanReport {
	rep := report(runs...)
	rep.Kind, rep.Head, rep.Base = plumb.RunApply, mergeSHA, ""
	return rep
}

func commentsWith(srv *githubtest.Server, marker string) []githubtest.Comment {
	var out []githubtest.Comment
	for _, c := range srv.Comments(owner, name, 7) {
		if strings.HasPrefix(c.Body, marker+" ") {
			out = append(out, c)
		}
	}
	return out
}

// The apply comment is plumb's second comment on the PR, edited in place
// on its own; its statuses go on the merge commit under plumb/apply.
func TestReportPlansApply(t *testing.T) {
	b := setupGitHub(t)
	ctx := context.Background()
	if err := b.gh.ReportPlans(ctx, report(run("app-dev", plumb.RunChanges, 1, "+ local_file.f"))); err != nil {
		t.Fatal(err)
	}
	plan := commentsWith(b.srv, markdown.CommentMarker)
	running := run("app-dev", plumb.RunRunning, 1, "")
	if err := b.gh.ReportPlans(ctx, applyReport(running)); err != nil {
		t.Fatal(err)
	}
	first := commentsWith(b.srv, markdown.ApplyCommentMarker)
	if len(first) != 1 || !strings.Contains(first[0].Body, "### plumb apply: 1 project") || !strings.Contains(first[0].Body, "(merge of #7)") {
		t.Fatalf("apply comments %+v", first)
	}
	if st := b.srv.LatestStatuses(owner, name, mergeSHA)["plumb/apply: app-dev"]; st.State != "pending" || st.Description != "Applying" {
		t.Errorf("apply status while running %+v", st)
	}
	applied := run("app-dev", plumb.RunApplied, 1, "Apply complete!")
	if err := b.gh.ReportPlans(ctx, applyReport(applied)); err != nil {
		t.Fatal(err)
	}
	second := commentsWith(b.srv, markdown.ApplyCommentMarker)
	if len(second) != 1 || second[0].ID != first[0].ID || !strings.Contains(second[0].Body, ":white_check_mark: applied") {
		t.Fatalf("the apply comment was not edited in place: first %d, now %+v", first[0].ID, second)
	}
	if now := commentsWith(b.srv, markdown.CommentMarker); len(now) != 1 || now[0] != plan[0] {
		t.Errorf("the apply report touched the plan comment: %+v, was %+v", now, plan)
	}
	on := b.srv.LatestStatuses(owner, name, mergeSHA)
	if st := on["plumb/apply: app-dev"]; len(on) != 1 || st.State != "success" || st.Description != "Applied: +1 ~0 -0" {
		t.Errorf("statuses on the merge commit %+v", on)
	}
	if head := b.srv.LatestStatuses(owner, name, headSHA); len(head) != 1 || head["plumb/plan: app-dev"].State != "success" {
		t.Errorf("statuses on the head %+v", head)
	}
}

// A long apply report splits and shrinks like a plan report, and a new
// plan report afterwards leaves every apply part alone.
func TestReportPlansApplySplits(t *testing.T) {
	b := setupGitHub(t)
	ctx := context.Background()
	var long strings.Builder
	for i := range 1200 {
		fmt.Fprintf(&long, "  + resource \"local_file\" \"f%d\" { content = \"%s\" }\n", i, strings.Repeat("x", 20))
	}
	if err := b.gh.ReportPlans(ctx, applyReport(run("app-dev", plumb.RunApplied, 1200, long.String()))); err != nil {
		t.Fatal(err)
	}
	if parts := commentsWith(b.srv, markdown.ApplyCommentMarker); len(parts) != 2 || !strings.HasPrefix(parts[1].Body, markdown.ApplyCommentMarker+" part 2 of 2") {
		t.Fatalf("long apply report: %d comments", len(parts))
	}
	if err := b.gh.ReportPlans(ctx, report(run("app-dev", plumb.RunChanges, 1, ""))); err != nil {
		t.Fatal(err)
	}
	if n, m := len(commentsWith(b.srv, markdown.ApplyCommentMarker)), len(commentsWith(b.srv, markdown.CommentMarker)); n != 2 || m != 1 {
		t.Errorf("%d apply parts and %d plan comments after a plan report, want 2 and 1", n, m)
	}
	if err := b.gh.ReportPlans(ctx, applyReport(run("app-dev", plumb.RunApplied, 1, ""))); err != nil {
		t.Fatal(err)
	}
	if parts := commentsWith(b.srv, markdown.ApplyCommentMarker); len(parts) != 1 {
		t.Errorf("%d apply comments after shrinking, want 1", len(parts))
	}
}

func TestReportPlansRejectsDriftKind(t *testing.T) {
	b := setupGitHub(t)
	rep := report(run("app-dev", plumb.RunChanges, 1, ""))
	rep.Kind = plumb.RunDrift
	if err := b.gh.ReportPlans(context.Background(), rep); plumb.ErrorCode(err) != plumb.EINVALID {
		t.Errorf("drift report: %v, want invalid", err)
	}
	if len(b.srv.Requests()) != 0 {
		t.Errorf("a rejected report made requests: %q", b.srv.Requests())
	}
}
