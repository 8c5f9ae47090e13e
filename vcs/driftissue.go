package vcs

import (
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/vcs/markdown"
)

// DriftLabel is the label every drift issue carries; the sweep lists
// issues by it to find one whose number it lost.
const DriftLabel = "drift"

// MaxIssueLen is GitHub's limit on an issue body, in characters.
const MaxIssueLen = 65536

// driftMarkerPrefix starts the hidden line that ties an issue to one
// project, whatever its title becomes.
const driftMarkerPrefix = "<!-- plumb:drift "

// DriftTitle is the title a project's drift issue is opened with.
func DriftTitle(project string) string { return "plumb drift: " + project }

// DriftMarker is the hidden first line of a project's drift issue, e.g.
// "<!-- plumb:drift repo=acme/infra project=app-dev -->". Spaces, '>' and
// '%' are percent-encoded, so no name can end the comment or add a field.
func DriftMarker(repo, project string) string {
	return driftMarkerPrefix + "repo=" + markerEscape(repo) + " project=" + markerEscape(project) + " -->"
}

func markerEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == '%' || c == '>' || c == 0x7f {
			fmt.Fprintf(&b, "%%%02X", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// parseDriftMarker reads the first drift marker in body. Repository names
// are compared case-insensitively by callers, as GitHub does.
func parseDriftMarker(body string) (repo, project string, ok bool) {
	_, rest, found := strings.Cut(body, driftMarkerPrefix)
	if !found {
		return "", "", false
	}
	head, _, found := strings.Cut(rest, "-->")
	if !found {
		return "", "", false
	}
	for _, f := range strings.Fields(head) {
		k, v, _ := strings.Cut(f, "=")
		v, err := url.PathUnescape(v)
		if err != nil {
			return "", "", false
		}
		switch k {
		case "repo":
			repo = v
		case "project":
			project = v
		}
	}
	return repo, project, repo != "" && project != ""
}

// Caps on what people and engines put in the body, so one long value
// cannot crowd out the table.
const (
	maxCell      = 1000 // one table cell
	maxBlock     = 4000 // remediation, resolve
	maxAckListed = 20   // acknowledgements named on the hidden line
)

// RenderDriftIssue renders the body of r's drift issue within limit bytes
// (MaxIssueLen when limit <= 0; bytes bound GitHub's characters from
// above): the marker, the status and when it was checked, a table of the
// findings not acknowledged, who last applied the project, the
// remediation, and how to resolve. Rows that do not fit are left out and
// counted.
func RenderDriftIssue(r plumb.DriftReport, limit int) string {
	if limit <= 0 {
		limit = MaxIssueLen
	}
	st := r.State
	var open, acked []plumb.DriftFinding
	for _, f := range st.Findings {
		if f.Acknowledged != nil {
			acked = append(acked, f)
		} else {
			open = append(open, f)
		}
	}
	head := driftHead(r, open)
	var rows []string
	for _, f := range open {
		rows = append(rows, fmt.Sprintf("| %s | %s | %s | %s | %s |\n", codeSpan(f.Address), kindWord(f.Kind),
			text(f.Action), attrs(f.Attributes), when(st.FirstSeen[plumb.FindingKey(f)])))
	}
	tail := ackLine(acked) + driftTail(r, open)
	body := head
	if len(rows) > 0 {
		body += "| resource | kind | action | attributes | first seen |\n|---|---|---|---|---|\n"
	}
	// Reserve room for the line that counts left-out rows, then fill.
	room := limit - len(body) - len(tail) - 200
	n := 0
	for _, row := range rows {
		if len(row) > room {
			break
		}
		body += row
		room -= len(row)
		n++
	}
	if n < len(rows) {
		body += fmt.Sprintf("\n_%d more %s left out: an issue holds at most %d characters; %s lists every finding._\n",
			len(rows)-n, markdown.Plural(len(rows)-n, "row", "rows"), MaxIssueLen, codeSpan("plumb drift -p "+r.Project))
	}
	body += tail
	return clip(body, limit) // cuts only when the fixed parts alone exceed it
}

func driftHead(r plumb.DriftReport, open []plumb.DriftFinding) string {
	st := r.State
	var b strings.Builder
	b.WriteString(DriftMarker(r.Repo, r.Project) + "\n")
	fmt.Fprintf(&b, "### plumb drift: %s\n\n", codeSpan(r.Project))
	fmt.Fprintf(&b, "**Status:** %s: %s.\n\n", st.Status, counts(open))
	if st.Dir != "" {
		fmt.Fprintf(&b, "- **Project:** dir %s, workspace %s\n", codeSpan(st.Dir), codeSpan(st.Workspace))
	}
	if st.Commit != "" {
		fmt.Fprintf(&b, "- **Commit checked:** `%.12s`\n", text(st.Commit))
	}
	fmt.Fprintf(&b, "- **Drifting since:** %s\n", when(st.Since))
	fmt.Fprintf(&b, "- **Last checked:** %s", when(st.CheckedAt))
	if st.RunID != "" {
		fmt.Fprintf(&b, ", run %s", codeSpan(st.RunID))
	}
	b.WriteString("\n- **Last applied:** ")
	if a := r.LastApply; a != nil {
		fmt.Fprintf(&b, "run %s", codeSpan(a.ID))
		var by []string
		if a.Trigger != "" {
			by = append(by, text(a.Trigger))
		}
		if a.Commit != "" {
			by = append(by, fmt.Sprintf("commit `%.12s`", text(a.Commit)))
		}
		if t := a.FinishedAt; !t.IsZero() {
			by = append(by, when(t))
		}
		if len(by) > 0 {
			b.WriteString(" (" + strings.Join(by, ", ") + ")")
		}
	} else {
		b.WriteString("no apply recorded")
	}
	b.WriteString("\n\n")
	return b.String()
}

// counts says what the status counts: changes outside Terraform and
// changes waiting for an apply.
func counts(open []plumb.DriftFinding) string {
	var oob, pending int
	for _, f := range open {
		if f.Kind == plumb.DriftOutOfBand {
			oob++
		} else {
			pending++
		}
	}
	var parts []string
	if oob > 0 {
		parts = append(parts, fmt.Sprintf("%d %s changed outside Terraform", oob, markdown.Plural(oob, "resource", "resources")))
	}
	if pending > 0 {
		parts = append(parts, fmt.Sprintf("%d %s in the configuration not applied", pending, markdown.Plural(pending, "change", "changes")))
	}
	if len(parts) == 0 {
		return "nothing to report"
	}
	return strings.Join(parts, ", ")
}

// ackLine counts the acknowledged findings the table leaves out and says
// who acknowledged them, until when and why.
func ackLine(acked []plumb.DriftFinding) string {
	if len(acked) == 0 {
		return ""
	}
	var parts []string
	for i, f := range acked {
		if i == maxAckListed {
			parts = append(parts, fmt.Sprintf("and %d more", len(acked)-i))
			break
		}
		a := f.Acknowledged
		parts = append(parts, fmt.Sprintf("%s (%s %s) by %s until %s: %s", codeSpan(f.Address), kindWord(f.Kind), text(f.Action),
			text(a.By), a.Until.UTC().Format(time.DateOnly), text(a.Reason)))
	}
	return fmt.Sprintf("\n_%d acknowledged %s hidden: %s._\n", len(acked), markdown.Plural(len(acked), "finding", "findings"), strings.Join(parts, "; "))
}

func driftTail(r plumb.DriftReport, open []plumb.DriftFinding) string {
	var b strings.Builder
	if rem := strings.TrimSpace(r.Remediation); rem != "" {
		b.WriteString("\n#### Remediation\n\n" + block(rem) + "\n")
	}
	b.WriteString("\n#### How to resolve\n\n")
	if res := strings.TrimSpace(r.Resolve); res != "" {
		b.WriteString(block(res) + "\n\n")
	} else {
		b.WriteString(defaultResolve(r, open))
	}
	b.WriteString("Or acknowledge known drift: comment `plumb drift ack --until DATE --reason TEXT [--address ADDR]` on this issue " +
		"(DATE as YYYY-MM-DD); acknowledged findings leave this table until then or until they change.\n\n" +
		"_plumb keeps this issue up to date and closes it when the project is clean again._\n")
	return b.String()
}

func defaultResolve(r plumb.DriftReport, open []plumb.DriftFinding) string {
	var oob, pending bool
	for _, f := range open {
		oob = oob || f.Kind == plumb.DriftOutOfBand
		pending = pending || f.Kind == plumb.DriftPending
	}
	apply := codeSpan("plumb apply -p " + r.Project)
	var b strings.Builder
	if oob {
		fmt.Fprintf(&b, "- **Changed outside Terraform:** revert the change by hand, or run %s to restore the configuration; "+
			"or, to keep the change, make the configuration match it and merge that.\n", apply)
	}
	if pending {
		fmt.Fprintf(&b, "- **Not applied:** the configuration on the default branch differs from what is applied; "+
			"apply it (%s, or the pending merge's apply), or revert the configuration.\n", apply)
	}
	return b.String() + "\n"
}

func kindWord(k plumb.DriftKind) string {
	switch k {
	case plumb.DriftOutOfBand:
		return "out of band"
	case plumb.DriftPending:
		return "pending"
	}
	return text(string(k))
}

func attrs(paths []string) string {
	if len(paths) == 0 {
		return "—"
	}
	var out []string
	size := 0
	for i, p := range paths {
		s := codeSpan(p)
		if size+len(s) > maxCell {
			out = append(out, fmt.Sprintf("(+%d more)", len(paths)-i))
			break
		}
		out = append(out, s)
		size += len(s) + 2
	}
	return strings.Join(out, ", ")
}

// when is a time as the issue shows it, in UTC to the minute.
func when(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// text makes a value safe inside a table cell or a line: one line, pipes
// escaped, no HTML (which could fake plumb's marker), at most maxCell.
func text(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	s = strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;").Replace(s)
	return clip(s, maxCell)
}

// codeSpan shows s as inline code that no backtick in it can end early,
// on one line, with pipes escaped for tables (GitHub unescapes them).
func codeSpan(s string) string {
	s = clip(strings.Join(strings.Fields(s), " "), maxCell)
	s = strings.ReplaceAll(s, "|", `\|`)
	if s == "" {
		return "—"
	}
	fence, run := "`", 0
	for _, c := range s {
		if c == '`' {
			run++
			if run >= len(fence) {
				fence += "`"
			}
		} else {
			run = 0
		}
	}
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return fence + s + fence
}

// block keeps multi-line text as written, minus anything that could fake a
// marker, capped at maxBlock.
func block(s string) string {
	return clip(strings.ReplaceAll(s, "<!--", "&lt;!--"), maxBlock)
}

// clip cuts s to at most n bytes on a rune boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
