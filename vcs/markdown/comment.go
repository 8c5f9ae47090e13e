package markdown

import (
	"fmt"
	"strings"

	"github.com/plumbhq/plumb"
)

// MaxCommentLen is GitHub's limit on a comment body, in characters.
const MaxCommentLen = 65536

// CommentMarker starts every plumb plan comment, so plumb finds and edits
// its own comments instead of adding new ones. Part numbers follow it.
const CommentMarker = "<!-- plumb:plan"

// ApplyCommentMarker starts plumb's apply comments, kept apart from the
// plan comment: the plan people reviewed stays readable after the merge.
const ApplyCommentMarker = "<!-- plumb:apply"

// Marker is the marker of kind's comment: apply, or plan for any other.
func Marker(kind plumb.RunKind) string {
	if kind == plumb.RunApply {
		return ApplyCommentMarker
	}
	return CommentMarker
}

// RenderComment renders a plan (or apply) report as one or more comment
// bodies, each within limit characters (MaxCommentLen when limit <= 0).
// Bodies are split between projects, and inside a long plan between
// lines, closing and reopening the code fence and <details> so every part
// renders.
func RenderComment(rep plumb.PlanReport, limit int) []string {
	if limit <= 0 {
		limit = MaxCommentLen
	}
	sections := []string{header(rep)}
	if len(rep.Unplanned) > 0 {
		sections = append(sections, unplannedSection(rep.Unplanned))
	}
	for _, p := range rep.Projects {
		sections = append(sections, projectSection(rep.Kind, p)...)
	}
	return pack(Marker(rep.Kind), sections, limit)
}

// countWords name the statuses a header counts, in the order it counts
// them; an apply report names its own.
var countWords = map[plumb.RunKind][]struct {
	status plumb.RunStatus
	word   string
}{
	plumb.RunPlan: {{plumb.RunChanges, "with changes"}, {plumb.RunNoChanges, "without changes"},
		{plumb.RunFailed, "failed"}, {plumb.RunBlocked, "locked"}, {plumb.RunSkipped, "skipped"}},
	plumb.RunApply: {{plumb.RunApplied, "applied"}, {plumb.RunNoChanges, "without changes"},
		{plumb.RunChanges, "not applied"}, {plumb.RunFailed, "failed"}, {plumb.RunBlocked, "waiting for a lock"},
		{plumb.RunSkipped, "skipped"}, {plumb.RunQueued, "queued"}, {plumb.RunRunning, "applying"}},
}

func header(rep plumb.PlanReport) string {
	kind := rep.Kind
	if kind != plumb.RunApply {
		kind = plumb.RunPlan
	}
	var total plumb.PlanSummary
	counts := map[plumb.RunStatus]int{}
	denials := 0
	for _, p := range rep.Projects {
		if p.Run == nil {
			continue
		}
		if Denied(kind, p.Run) {
			denials++
		}
		counts[p.Run.Status]++
		total.Add += p.Run.Summary.Add
		total.Change += p.Run.Summary.Change
		total.Destroy += p.Run.Summary.Destroy
	}
	var b strings.Builder
	if rep.Invalid != "" {
		verb := "planned"
		if kind == plumb.RunApply {
			verb = "applied"
		}
		fmt.Fprintf(&b, "### plumb %s: not %s\n\n:x: The configuration at `%.12s` is invalid, so nothing is %s:\n\n```\n%s\n```\n\n"+
			"Fix it and push again; `plumb validate` lists every error.\n", kind, verb, rep.Head, verb, fenceSafe(strings.TrimSpace(rep.Invalid)))
		return b.String()
	}
	fmt.Fprintf(&b, "### plumb %s: %d %s, `%s`\n\n", kind, len(rep.Projects), Plural(len(rep.Projects), "project", "projects"), Summary(total))
	switch {
	case rep.Head != "" && kind == plumb.RunApply:
		fmt.Fprintf(&b, "Applied at `%.12s`", rep.Head)
		if rep.PR > 0 {
			fmt.Fprintf(&b, " (merge of #%d)", rep.PR)
		}
		b.WriteString(". ")
	case rep.Head != "":
		fmt.Fprintf(&b, "Planned at `%.12s`", rep.Head)
		if rep.Base != "" {
			fmt.Fprintf(&b, " against `%.12s`", rep.Base)
		}
		b.WriteString(". ")
	}
	var parts []string
	for _, c := range countWords[kind] {
		if counts[c.status] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[c.status], c.word))
		}
	}
	if denials > 0 {
		parts = append(parts, fmt.Sprintf("%d denied by policy", denials))
	}
	if len(rep.Projects) == 0 {
		parts = append(parts, "No project is affected.")
	}
	b.WriteString(strings.Join(parts, ", "))
	if note := strings.TrimSpace(rep.Note); note != "" {
		b.WriteString("\n\n" + note)
	}
	if len(rep.Projects) == 0 {
		return b.String() + "\n" // an empty table would read as a rendering bug
	}
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
		fmt.Fprintf(&b, "| %s | %s | `%s` | %s |\n", cell(p.Run.Project), statusWord(kind, p.Run), Summary(p.Run.Summary), cell(why))
	}
	return b.String()
}

// maxUnplannedFiles bounds the files named per directory, so a change
// that touches thousands of files still leaves room for the plans.
const maxUnplannedFiles = 10

// unplannedSection says, as loudly as a project, which changed Terraform
// files no project plans and why: silence would read as "nothing to do".
func unplannedSection(dirs []plumb.Unplanned) string {
	var b strings.Builder
	b.WriteString("\n---\n#### :warning: Not planned\n\n")
	fmt.Fprintf(&b, "The change touches Terraform files in %d %s that no project plans:\n\n",
		len(dirs), Plural(len(dirs), "directory", "directories"))
	b.WriteString("| directory | files | why not |\n|---|---|---|\n")
	for _, u := range dirs {
		var files []string
		for i, f := range u.Files {
			if i == maxUnplannedFiles {
				files = append(files, fmt.Sprintf("(+%d more)", len(u.Files)-i))
				break
			}
			files = append(files, "`"+cell(f)+"`")
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", cell(u.Dir), strings.Join(files, ", "), cell(u.Reason))
	}
	return b.String()
}
