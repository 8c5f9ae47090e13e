package drift

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"time"

	"github.com/plumbhq/plumb"
)

// Sweep is what Report renders: one drift sweep of many projects.
type Sweep struct {
	Ref        string
	Commit     string
	StartedAt  time.Time
	FinishedAt time.Time
	Projects   []Project
}

// Project is one project's check in a sweep.
type Project struct {
	Name      string
	Dir       string
	Workspace string
	Status    plumb.DriftStatus
	Error     string
	CheckedAt time.Time
	Findings  []Finding
}

// Finding is a finding with when a sweep first saw it (zero: not known).
type Finding struct {
	plumb.DriftFinding
	FirstSeen time.Time
}

// NewProject is the Project of one project's Classify result, its findings
// acknowledged or not; firstSeen tells when each finding was first seen
// (nil: not known). The status is summed again, so acknowledgements set
// after Classify count.
func NewProject(name, dir, workspace string, r plumb.DriftResult, checked time.Time, firstSeen func(plumb.DriftFinding) time.Time) Project {
	p := Project{Name: name, Dir: dir, Workspace: workspace, Status: r.Status, Error: r.Error, CheckedAt: checked}
	if r.Status != plumb.DriftError {
		p.Status = Status(r.Resources)
	}
	for _, f := range r.Resources {
		var seen time.Time
		if firstSeen != nil {
			seen = firstSeen(f)
		}
		p.Findings = append(p.Findings, Finding{DriftFinding: f, FirstSeen: seen})
	}
	return p
}

//go:embed report.html
var reportHTML string

var reportTmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"ts":     timestamp,
	"age":    age,
	"status": statusClass,
}).Parse(reportHTML))

// Report writes one self-contained HTML page (embedded CSS, no script, no
// external asset) of a sweep: each project's status, when it was checked,
// its error, and its findings with kind, action, attributes, since when,
// and any acknowledgement. Every value is escaped.
func Report(w io.Writer, s Sweep) error {
	counts := map[plumb.DriftStatus]int{}
	for _, p := range s.Projects {
		counts[p.Status]++
	}
	data := struct {
		Sweep
		Counts []statusCount
	}{Sweep: s}
	for _, st := range []plumb.DriftStatus{plumb.DriftError, plumb.DriftDriftedPending, plumb.DriftDrifted, plumb.DriftPendingOnly, plumb.DriftClean} {
		data.Counts = append(data.Counts, statusCount{st, counts[st]})
	}
	if err := reportTmpl.Execute(w, data); err != nil {
		return fmt.Errorf("drift report: %w", err)
	}
	return nil
}

type statusCount struct {
	Status plumb.DriftStatus
	N      int
}

func timestamp(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format(time.RFC3339)
}

// age is how long before the check something was first seen.
func age(since, check time.Time) string {
	if since.IsZero() || check.IsZero() || check.Before(since) {
		return ""
	}
	d := check.Sub(since).Truncate(time.Minute)
	days := int(d / (24 * time.Hour))
	d -= time.Duration(days) * 24 * time.Hour
	switch {
	case days > 0:
		return fmt.Sprintf("%dd %dh", days, int(d/time.Hour))
	case d >= time.Hour:
		return fmt.Sprintf("%dh %dm", int(d/time.Hour), int((d%time.Hour)/time.Minute))
	}
	return fmt.Sprintf("%dm", int(d/time.Minute))
}

// statusClass maps a status to its CSS class; anything else is "unknown".
func statusClass(s plumb.DriftStatus) string {
	switch s {
	case plumb.DriftClean, plumb.DriftDrifted, plumb.DriftPendingOnly, plumb.DriftDriftedPending, plumb.DriftError:
		return string(s)
	}
	return "unknown"
}
