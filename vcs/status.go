package vcs

import (
	"fmt"
	"strings"

	"github.com/plumbhq/plumb"
)

// MaxStatusDescription is GitHub's limit on a commit status description;
// longer ones are rejected with a 422.
const MaxStatusDescription = 140

// StatusContext is the commit status context of a project's plans.
func StatusContext(project string) string { return "plumb/plan: " + project }

// ProjectStatus is the commit status that shows a project's run on the
// head commit: pending while queued, running or waiting for a lock;
// success with the "+a ~c -d" summary; failure with why.
func ProjectStatus(p plumb.ProjectReport) plumb.CommitStatus {
	r := p.Run
	st := plumb.CommitStatus{Context: StatusContext(r.Project)}
	switch r.Status {
	case plumb.RunQueued:
		st.State, st.Description = "pending", "queued"
	case plumb.RunRunning:
		st.State, st.Description = "pending", "planning"
	case plumb.RunBlocked:
		who := p.LockedBy
		if who == "" {
			who = r.BlockedBy
		}
		st.State, st.Description = "pending", "locked by "+who+": planned once it is released"
	case plumb.RunChanges, plumb.RunNoChanges, plumb.RunApplied:
		st.State, st.Description = "success", summary(r.Summary)
		if r.Status == plumb.RunNoChanges {
			st.Description = "no changes"
		}
		if r.Policy != nil && !r.Policy.Passed {
			st.State = "failure"
			st.Description = fmt.Sprintf("%s, policy failed (%d denied)", st.Description, len(r.Policy.Deny))
		}
	case plumb.RunSkipped:
		st.State, st.Description = "failure", "skipped: a project it depends on failed"
	default: // failed, or a status this version does not know
		st.State, st.Description = "failure", "failed"
		if msg := firstLine(r.Error); msg != "" {
			st.Description = "failed: " + msg
		}
	}
	st.Description = truncate(st.Description, MaxStatusDescription)
	return st
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	line, _, _ := strings.Cut(s, "\n")
	return strings.TrimSpace(line)
}

// truncate cuts s to at most n characters (runes, as GitHub counts),
// marking the cut with an ellipsis.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
