package vcs

import (
	"fmt"
	"strings"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/vcs/markdown"
)

// MaxStatusDescription is GitHub's limit on a commit status description;
// longer ones are rejected with a 422.
const MaxStatusDescription = 140

// StatusContext is the commit status context of a project's runs of kind:
// "plumb/apply: <project>" for applies, "plumb/plan: <project>" otherwise.
func StatusContext(kind plumb.RunKind, project string) string {
	if kind == plumb.RunApply {
		return "plumb/apply: " + project
	}
	return "plumb/plan: " + project
}

// ProjectStatus is the commit status that shows a project's run of kind
// (plan on the head commit, apply on the merge commit): pending while
// queued, running or waiting for a lock; success with the "+a ~c -d"
// summary; failure when the run failed, policy denied it or it was not
// applied; error when plumb could not tell what happened.
func ProjectStatus(kind plumb.RunKind, p plumb.ProjectReport) plumb.CommitStatus {
	var st plumb.CommitStatus
	if kind == plumb.RunApply {
		st = applyStatus(p)
	} else {
		st = planStatus(p)
	}
	st.Context = StatusContext(kind, p.Run.Project)
	st.Description = truncate(st.Description, MaxStatusDescription)
	return st
}

func planStatus(p plumb.ProjectReport) plumb.CommitStatus {
	r := p.Run
	switch r.Status {
	case plumb.RunQueued:
		return plumb.CommitStatus{State: "pending", Description: "queued"}
	case plumb.RunRunning:
		return plumb.CommitStatus{State: "pending", Description: "planning"}
	case plumb.RunBlocked:
		return plumb.CommitStatus{State: "pending", Description: "locked by " + holder(p) + ": planned once it is released"}
	case plumb.RunChanges, plumb.RunNoChanges, plumb.RunApplied:
		st := plumb.CommitStatus{State: "success", Description: markdown.Summary(r.Summary)}
		if r.Status == plumb.RunNoChanges {
			st.Description = "no changes"
		}
		if r.Policy != nil && !r.Policy.Passed {
			st.State = "failure"
			st.Description = fmt.Sprintf("%s, policy failed (%d denied)", st.Description, len(r.Policy.Deny))
		}
		return st
	case plumb.RunSkipped:
		return plumb.CommitStatus{State: "failure", Description: "skipped: a project it depends on failed"}
	}
	// failed, or a status this version does not know
	st := plumb.CommitStatus{State: "failure", Description: "failed"}
	if msg := firstLine(r.Error); msg != "" {
		st.Description = "failed: " + msg
	}
	return st
}

func applyStatus(p plumb.ProjectReport) plumb.CommitStatus {
	r := p.Run
	switch r.Status {
	case plumb.RunQueued:
		return plumb.CommitStatus{State: "pending", Description: "Queued to apply"}
	case plumb.RunRunning:
		return plumb.CommitStatus{State: "pending", Description: "Applying"}
	case plumb.RunBlocked:
		const lead = "Waiting for the lock held by "
		place := ""
		if p.LockPlace > 0 {
			place = fmt.Sprintf(" (place %d)", p.LockPlace)
		}
		// A long holder is cut, not the place: the place is the news.
		who := truncate(holder(p), MaxStatusDescription-len(lead)-len(place))
		return plumb.CommitStatus{State: "pending", Description: lead + who + place}
	case plumb.RunApplied:
		return plumb.CommitStatus{State: "success", Description: "Applied: " + markdown.Summary(r.Summary)}
	case plumb.RunNoChanges:
		return plumb.CommitStatus{State: "success", Description: "No changes to apply"}
	case plumb.RunChanges:
		// Planned but not applied: refused, not broken.
		why := "planned but not applied"
		switch {
		case r.Policy != nil && !r.Policy.Passed:
			why = fmt.Sprintf("policy failed (%d denied)", len(r.Policy.Deny))
		case len(p.Differences) > 0:
			why = "the new plan differs from the reviewed one"
		case firstLine(p.Next) != "":
			why = firstLine(p.Next)
		}
		return plumb.CommitStatus{State: "failure", Description: "Not applied: " + why}
	case plumb.RunSkipped:
		why := firstLine(r.Error)
		if why == "" {
			why = "a project it depends on failed"
		}
		return plumb.CommitStatus{State: "failure", Description: "Skipped: " + why}
	case plumb.RunFailed:
		msg := firstLine(r.Error)
		if msg == "" {
			msg = "the apply failed"
		}
		return plumb.CommitStatus{State: "failure", Description: msg}
	}
	return plumb.CommitStatus{State: "error", Description: fmt.Sprintf("plumb could not apply (status %q)", r.Status)}
}

// holder names who holds the lock a run waits for.
func holder(p plumb.ProjectReport) string {
	if p.LockedBy != "" {
		return p.LockedBy
	}
	return p.Run.BlockedBy
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
