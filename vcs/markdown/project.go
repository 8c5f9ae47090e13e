package markdown

import (
	"fmt"
	"strings"
	"time"

	"github.com/plumbhq/plumb"
)

// projectSection renders one project: a heading, why it is in the report,
// the lock, policy and review state, what to do next, and the plan in a
// collapsible diff block. A long plan comes back as several pieces so
// pack can split between them.
func projectSection(kind plumb.RunKind, p plumb.ProjectReport) []string {
	r := p.Run
	if r == nil {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n---\n#### %s %s · `%s`", statusIcon(kind, r), r.Project, r.Dir)
	if r.Workspace != "" && r.Workspace != plumb.DefaultWorkspace {
		fmt.Fprintf(&b, " · workspace `%s`", r.Workspace)
	}
	b.WriteString("\n\n")
	for _, why := range p.Reasons {
		fmt.Fprintf(&b, "- %s\n", why)
	}
	b.WriteString(lockLines(kind, p))
	if kind == plumb.RunApply && r.Replanned != "" {
		fmt.Fprintf(&b, "\nPlanned again before applying: %s.\n", oneLine(strings.TrimSuffix(r.Replanned, ".")))
	}
	if len(p.Differences) > 0 {
		b.WriteString("\n**Not applied: the new plan differs from the reviewed one:**\n")
		for _, d := range p.Differences {
			fmt.Fprintf(&b, "- %s\n", oneLine(d))
		}
	}
	if r.Error != "" {
		fmt.Fprintf(&b, "\n**Error:**\n```\n%s\n```\n", fenceSafe(r.Error))
	}
	if pol := r.Policy; pol != nil {
		b.WriteString(policyLines(pol))
	}
	if next := strings.TrimSpace(p.Next); next != "" {
		fmt.Fprintf(&b, "\n**Next:** %s\n", oneLine(next))
	}
	if r.PlanText == "" {
		return []string{b.String()}
	}
	label := "Plan"
	if kind == plumb.RunApply && r.Status == plumb.RunApplied {
		label = "Applied"
	}
	fmt.Fprintf(&b, "\n<details><summary>%s: <code>%s</code>", label, Summary(r.Summary))
	if r.ChangesOutside > 0 {
		fmt.Fprintf(&b, ", %d changed outside", r.ChangesOutside)
	}
	b.WriteString("</summary>\n\n")
	return append([]string{b.String()}, planPieces(r.PlanText)...)
}

// lockLines says who holds the project's lock, for how long, where this
// change stands in line, and warns when the holder has kept it longer
// than the server allows.
func lockLines(kind plumb.RunKind, p plumb.ProjectReport) string {
	if p.LockedBy == "" {
		return ""
	}
	who := p.LockedBy
	if p.LockURL != "" {
		who = fmt.Sprintf("[%s](%s)", p.LockedBy, p.LockURL)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n:lock: Locked by %s", who)
	if p.LockAge > 0 && !p.LockStale {
		fmt.Fprintf(&b, " (held for %s)", age(p.LockAge))
	}
	verb := "planned again"
	if kind == plumb.RunApply {
		verb = "applied"
	}
	fmt.Fprintf(&b, ": %s automatically once it is released", verb)
	if p.LockPlace > 0 {
		fmt.Fprintf(&b, "; this change is place %d in line", p.LockPlace)
	}
	b.WriteString(".\n")
	if p.LockStale {
		fmt.Fprintf(&b, "\n:warning: held for %s, longer than this server's limit.\n", age(p.LockAge))
	}
	return b.String()
}

// age is a duration as people read a lock's age: "3d 4h", "2h 5m", "7m",
// "40s"; two units at most.
func age(d time.Duration) string {
	d = d.Round(time.Second)
	days, hours, mins := int(d/(24*time.Hour)), int(d/time.Hour)%24, int(d/time.Minute)%60
	switch {
	case days > 0:
		return fmt.Sprintf("%dd %dh", days, hours)
	case hours > 0:
		return fmt.Sprintf("%dh %dm", hours, mins)
	case mins > 0:
		return fmt.Sprintf("%dm", mins)
	}
	return fmt.Sprintf("%ds", int(d/time.Second))
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
	switch {
	case !pol.Passed:
		fmt.Fprintf(&b, "\n**Policy:** denied (%d)\n", len(pol.Deny))
	case len(pol.Warn) > 0:
		fmt.Fprintf(&b, "\n**Policy:** passed with %d %s\n", len(pol.Warn), Plural(len(pol.Warn), "warning", "warnings"))
	default:
		b.WriteString("\n**Policy:** passed\n")
	}
	for _, d := range pol.Deny {
		fmt.Fprintf(&b, "- :x: `%s.%s`: %s\n", d.Namespace, d.Rule, cell(d.Message))
	}
	for _, w := range pol.Warn {
		fmt.Fprintf(&b, "- :warning: `%s.%s`: %s\n", w.Namespace, w.Rule, cell(w.Message))
	}
	if n := len(pol.Exceptions); n > 0 {
		fmt.Fprintf(&b, "- %d %s silenced by an exception\n", n, Plural(n, "rule", "rules"))
	}
	return b.String()
}
