package vcs

import (
	"fmt"
	"strings"

	"github.com/plumbhq/plumb"
)

// MaxCommentLen is GitHub's limit on a comment body, in characters.
const MaxCommentLen = 65536

// CommentMarker starts every plumb comment, so plumb finds and edits its
// own comments instead of adding new ones. Part numbers follow it.
const CommentMarker = "<!-- plumb:plan"

// RenderComment renders a plan report as one or more comment bodies, each
// within limit characters (MaxCommentLen when limit <= 0). Bodies are
// split between projects, and inside a long plan between lines, closing
// and reopening the code fence and <details> so every part renders.
func RenderComment(rep plumb.PlanReport, limit int) []string {
	if limit <= 0 {
		limit = MaxCommentLen
	}
	sections := []string{header(rep)}
	for _, p := range rep.Projects {
		sections = append(sections, projectSection(p)...)
	}
	return pack(sections, limit)
}

func header(rep plumb.PlanReport) string {
	var total plumb.PlanSummary
	counts := map[plumb.RunStatus]int{}
	for _, p := range rep.Projects {
		if p.Run == nil {
			continue
		}
		counts[p.Run.Status]++
		total.Add += p.Run.Summary.Add
		total.Change += p.Run.Summary.Change
		total.Destroy += p.Run.Summary.Destroy
	}
	var b strings.Builder
	fmt.Fprintf(&b, "### plumb plan: %d %s, `%s`\n\n", len(rep.Projects), plural(len(rep.Projects), "project", "projects"), summary(total))
	if rep.Head != "" {
		fmt.Fprintf(&b, "Planned at `%.12s`", rep.Head)
		if rep.Base != "" {
			fmt.Fprintf(&b, " against `%.12s`", rep.Base)
		}
		b.WriteString(". ")
	}
	var parts []string
	for _, s := range []plumb.RunStatus{plumb.RunChanges, plumb.RunNoChanges, plumb.RunFailed, plumb.RunBlocked, plumb.RunSkipped} {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], map[plumb.RunStatus]string{
				plumb.RunChanges: "with changes", plumb.RunNoChanges: "without changes", plumb.RunFailed: "failed",
				plumb.RunBlocked: "locked", plumb.RunSkipped: "skipped"}[s]))
		}
	}
	b.WriteString(strings.Join(parts, ", "))
	b.WriteString("\n\n| project | status | changes | why |\n|---|---|---|---|\n")
	for _, p := range rep.Projects {
		if p.Run == nil {
			continue
		}
		why := ""
		if len(p.Reasons) > 0 {
			why = p.Reasons[0]
			if len(p.Reasons) > 1 {
				why += fmt.Sprintf(" (+%d more)", len(p.Reasons)-1)
			}
		}
		fmt.Fprintf(&b, "| %s | %s | `%s` | %s |\n", cell(p.Run.Project), statusWord(p.Run), summary(p.Run.Summary), cell(why))
	}
	return b.String()
}

// projectSection renders one project: a heading, why it was planned, the
// lock and policy state, and the plan in a collapsible diff block. A long
// plan comes back as several pieces so pack can split between them.
func projectSection(p plumb.ProjectReport) []string {
	r := p.Run
	if r == nil {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n---\n#### %s %s · `%s`", statusIcon(r), r.Project, r.Dir)
	if r.Workspace != "" && r.Workspace != plumb.DefaultWorkspace {
		fmt.Fprintf(&b, " · workspace `%s`", r.Workspace)
	}
	b.WriteString("\n\n")
	for _, why := range p.Reasons {
		fmt.Fprintf(&b, "- %s\n", why)
	}
	if p.LockedBy != "" {
		if p.LockURL != "" {
			fmt.Fprintf(&b, "\n:lock: Locked by [%s](%s): planned again automatically once it is released.\n", p.LockedBy, p.LockURL)
		} else {
			fmt.Fprintf(&b, "\n:lock: Locked by %s: planned again automatically once it is released.\n", p.LockedBy)
		}
	}
	if r.Error != "" {
		fmt.Fprintf(&b, "\n**Error:**\n```\n%s\n```\n", fenceSafe(r.Error))
	}
	if pol := r.Policy; pol != nil {
		b.WriteString(policyLines(pol))
	}
	if r.PlanText == "" {
		return []string{b.String()}
	}
	fmt.Fprintf(&b, "\n<details><summary>Plan: <code>%s</code>", summary(r.Summary))
	if r.ChangesOutside > 0 {
		fmt.Fprintf(&b, ", %d changed outside", r.ChangesOutside)
	}
	b.WriteString("</summary>\n\n")
	return append([]string{b.String()}, planPieces(r.PlanText)...)
}

const (
	fenceOpen  = "```diff\n"
	fenceClose = "```\n</details>\n"
)

// planPieces is the plan as a diff block cut into line-aligned pieces;
// pack reopens the fence when it must split between two of them.
func planPieces(text string) []string {
	lines := strings.Split(strings.TrimRight(diffify(fenceSafe(text)), "\n"), "\n")
	var pieces []string
	var cur strings.Builder
	cur.WriteString(fenceOpen)
	for _, l := range lines {
		if cur.Len()+len(l) > 4096 {
			pieces = append(pieces, cur.String())
			cur.Reset()
		}
		cur.WriteString(l + "\n")
	}
	cur.WriteString(fenceClose)
	return append(pieces, cur.String())
}

func policyLines(pol *plumb.PolicyOutcome) string {
	var b strings.Builder
	if pol.Passed && len(pol.Warn) == 0 {
		return "\n**Policy:** passed\n"
	}
	if pol.Passed {
		b.WriteString("\n**Policy:** passed with warnings\n")
	} else {
		b.WriteString("\n**Policy:** failed\n")
	}
	for _, d := range pol.Deny {
		fmt.Fprintf(&b, "- :x: `%s`: %s\n", d.Namespace, cell(d.Message))
	}
	for _, w := range pol.Warn {
		fmt.Fprintf(&b, "- :warning: `%s`: %s\n", w.Namespace, cell(w.Message))
	}
	return b.String()
}
