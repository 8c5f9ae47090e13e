package drift

import (
	"slices"
	"time"

	"github.com/plumbhq/plumb"
)

// Acknowledge marks the findings of r that an acknowledgement of the same
// project still covers at now: not expired, naming the finding's address
// (or every address), and made when the finding was exactly as it is
// (kind, action, attributes). A finding that changed since is not covered,
// so it counts again. The status is summed again; an error result is
// returned as is. acks must be the project's own.
func Acknowledge(r plumb.DriftResult, acks []plumb.DriftAckRecord, now time.Time) plumb.DriftResult {
	if r.Status == plumb.DriftError || len(acks) == 0 {
		return r
	}
	out := r
	out.Resources = make([]plumb.DriftFinding, len(r.Resources))
	for i, f := range r.Resources {
		f.Acknowledged = nil
		for _, a := range acks {
			if covers(a, f, now) {
				f.Acknowledged = &plumb.DriftAck{By: a.By, Reason: a.Reason, Until: a.Until}
				break
			}
		}
		out.Resources[i] = f
	}
	out.Status = Status(out.Resources)
	return out
}

func covers(a plumb.DriftAckRecord, f plumb.DriftFinding, now time.Time) bool {
	if !now.Before(a.Until) || (a.Address != "" && a.Address != f.Address) {
		return false
	}
	return slices.ContainsFunc(a.Findings, func(g plumb.DriftFinding) bool { return Same(f, g) })
}

// Same reports whether two findings are the same finding unchanged:
// address, kind, action and attribute paths.
func Same(a, b plumb.DriftFinding) bool {
	return a.Address == b.Address && a.Kind == b.Kind && a.Action == b.Action && slices.Equal(a.Attributes, b.Attributes)
}

// Covered is the findings of r an acknowledgement of address ("" = every
// one) would cover: what `plumb drift ack` records.
func Covered(r plumb.DriftResult, address string) []plumb.DriftFinding {
	var out []plumb.DriftFinding
	for _, f := range r.Resources {
		if address == "" || f.Address == address {
			f.Acknowledged = nil
			out = append(out, f)
		}
	}
	return out
}

// Next is a project's drift state after a check: prev (zero for a first
// check) moved on by result r (acknowledgements applied) of run at
// checked. Findings keep when they were first seen, new ones are seen
// now, gone ones are dropped; Since starts at the first non-clean check
// and ends when the project is clean. An error keeps the findings and
// their first-seen times as they were (nothing is known of them), but is
// not clean either. Issue and Tick carry over.
func Next(prev plumb.DriftState, run *plumb.Run, r plumb.DriftResult, checked time.Time) plumb.DriftState {
	s := prev
	s.Repo, s.Project, s.Dir, s.Workspace = run.Repo, run.Project, run.Dir, run.Workspace
	s.Status, s.Error, s.CheckedAt, s.RunID, s.Commit = r.Status, r.Error, checked, run.ID, run.Commit
	if r.Status == plumb.DriftError {
		if s.Since.IsZero() {
			s.Since = checked
		}
		return s
	}
	s.Findings = r.Resources
	seen := map[string]time.Time{}
	for _, f := range r.Resources {
		k := plumb.FindingKey(f)
		if t, ok := prev.FirstSeen[k]; ok {
			seen[k] = t
		} else {
			seen[k] = checked
		}
	}
	s.FirstSeen = seen
	if r.Status == plumb.DriftClean {
		s.Since, s.LastClean = time.Time{}, checked
	} else if s.Since.IsZero() {
		s.Since = checked
	}
	return s
}

// Unacknowledged is the findings that count.
func Unacknowledged(fs []plumb.DriftFinding) []plumb.DriftFinding {
	var out []plumb.DriftFinding
	for _, f := range fs {
		if f.Acknowledged == nil {
			out = append(out, f)
		}
	}
	return out
}
