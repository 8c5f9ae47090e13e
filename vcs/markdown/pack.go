package markdown

import (
	"fmt"
	"strings"

	"github.com/plumbhq/plumb"
)

// pack joins pieces into bodies of at most limit characters. A piece that
// belongs inside a diff block (it does not start a section) and lands at
// the top of a new body gets the block reopened, and the body before it
// gets the block closed, so no part has a dangling fence or <details>.
func pack(marker string, pieces []string, limit int) []string {
	const reserve = 200 // room for the marker, "part n of m" and a reopened fence
	budget := limit - reserve
	if budget < 256 {
		budget = 256
	}
	var bodies []string
	var cur strings.Builder
	inFence := false
	for _, piece := range pieces {
		for _, chunk := range splitLong(piece, budget/2) {
			if cur.Len()+len(chunk) > budget && cur.Len() > 0 {
				if inFence {
					cur.WriteString(fenceClose)
				}
				bodies = append(bodies, cur.String())
				cur.Reset()
				if inFence {
					cur.WriteString("<details open><summary>Plan (continued)</summary>\n\n" + fenceOpen)
				}
			}
			cur.WriteString(chunk)
			inFence = fenceState(inFence, chunk)
		}
	}
	bodies = append(bodies, cur.String())
	for i := range bodies {
		part := ""
		if len(bodies) > 1 {
			part = fmt.Sprintf(" part %d of %d", i+1, len(bodies))
		}
		bodies[i] = fmt.Sprintf("%s%s -->\n%s", marker, part, bodies[i])
		if len(bodies) > 1 && i < len(bodies)-1 {
			bodies[i] += "\n_Continued in the next comment._\n"
		}
	}
	return bodies
}

// fenceState tracks whether text leaves a diff block open.
func fenceState(open bool, chunk string) bool {
	for _, l := range strings.Split(chunk, "\n") {
		if strings.HasPrefix(l, "```") {
			open = !open
		}
	}
	return open
}

// splitLong cuts a piece longer than max at line breaks (or hard, for a
// single enormous line) so no piece can overflow a body on its own.
func splitLong(s string, max int) []string {
	if len(s) <= max {
		return []string{s}
	}
	var out []string
	for len(s) > max {
		cut := strings.LastIndexByte(s[:max], '\n') + 1
		if cut <= 0 {
			cut = max
		}
		out = append(out, s[:cut])
		s = s[cut:]
	}
	return append(out, s)
}

// diffify moves the engine's change markers to the first column, so
// GitHub's diff highlighting colours additions, removals and updates.
func diffify(text string) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		trimmed := strings.TrimLeft(l, " ")
		if len(trimmed) < 2 || trimmed[1] != ' ' {
			continue
		}
		indent := l[:len(l)-len(trimmed)]
		switch trimmed[0] {
		case '+', '-':
			lines[i] = string(trimmed[0]) + indent + trimmed[1:]
		case '~':
			lines[i] = "!" + indent + trimmed[1:]
		}
	}
	return strings.Join(lines, "\n")
}

// fenceSafe keeps text from closing the fence it is shown in.
func fenceSafe(s string) string { return strings.ReplaceAll(s, "```", "ʼʼʼ") }

// oneLine keeps text on one line of a list.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// cell keeps text on one table row.
func cell(s string) string {
	return strings.NewReplacer("|", "\\|", "\n", " ", "\r", "").Replace(s)
}

// Summary is a plan's counts as GitHub shows them: +add ~change -destroy.
func Summary(s plumb.PlanSummary) string {
	return fmt.Sprintf("+%d ~%d -%d", s.Add, s.Change, s.Destroy)
}

// Plural is one when n is 1, else many.
func Plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func statusWord(kind plumb.RunKind, r *plumb.Run) string {
	switch {
	case Denied(kind, r) && r.Status == plumb.RunNoChanges:
		return statusIcon(kind, r) + " no changes, policy denied"
	case Denied(kind, r):
		return statusIcon(kind, r) + " " + string(r.Status) + ", policy denied"
	case r.Status == plumb.RunBlocked:
		return statusIcon(kind, r) + " locked by " + cell(r.BlockedBy)
	case r.Status == plumb.RunNoChanges:
		return statusIcon(kind, r) + " no changes"
	case r.Status == plumb.RunChanges && kind == plumb.RunApply:
		return statusIcon(kind, r) + " not applied"
	}
	return statusIcon(kind, r) + " " + string(r.Status)
}

// Denied reports whether a plan is one a policy denied: it may not apply
// as it is, whatever its status says.
func Denied(kind plumb.RunKind, r *plumb.Run) bool {
	return kind != plumb.RunApply && r.Policy != nil && !r.Policy.Passed &&
		(r.Status == plumb.RunChanges || r.Status == plumb.RunNoChanges)
}

func statusIcon(kind plumb.RunKind, r *plumb.Run) string {
	if Denied(kind, r) {
		return ":no_entry:"
	}
	switch r.Status {
	case plumb.RunChanges:
		if kind == plumb.RunApply {
			return ":warning:" // planned, but not applied
		}
		return ":white_check_mark:"
	case plumb.RunApplied:
		return ":white_check_mark:"
	case plumb.RunNoChanges:
		return ":heavy_minus_sign:"
	case plumb.RunFailed:
		return ":x:"
	case plumb.RunBlocked:
		return ":lock:"
	case plumb.RunQueued, plumb.RunRunning:
		if kind == plumb.RunApply {
			return ":hourglass:"
		}
	}
	return ":fast_forward:"
}
