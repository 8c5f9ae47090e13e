package drift

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/plumbhq/plumb"
)

// SweepJSON is the contract's output of plumb drift --json.
type SweepJSON struct {
	FormatVersion string        `json:"format_version"`
	Ref           string        `json:"ref"`
	Commit        string        `json:"commit"`
	StartedAt     time.Time     `json:"started_at"`
	FinishedAt    time.Time     `json:"finished_at"`
	Projects      []ProjectJSON `json:"projects"`
}

// ProjectJSON is one project of a SweepJSON.
type ProjectJSON struct {
	Name      string               `json:"name"`
	Dir       string               `json:"dir"`
	Workspace string               `json:"workspace"`
	Status    string               `json:"status"`
	Resources []plumb.DriftFinding `json:"resources"`
	Error     string               `json:"error"`
	RunID     string               `json:"run_id,omitempty"`
	// DurationMS is how long the check took (not in the contract's
	// example; scripts may ignore it).
	DurationMS int64 `json:"duration_ms"`
}

// Check is one project's check in a sweep, as plumb drift shows it: its
// run, its result with acknowledgements applied, and its state after.
type Check struct {
	Run    *plumb.Run
	Result plumb.DriftResult
	State  plumb.DriftState
}

// status is the check's status for people and scripts: a check that did
// not run (skipped: its lock is held) is an error of the sweep, since
// nothing is known of the project.
func (c Check) Status() plumb.DriftStatus {
	if c.Run.Drift == nil {
		return plumb.DriftError
	}
	return c.Result.Status
}

// Message is why the check failed or did not run, or "".
func (c Check) Message() string {
	if c.Run.Drift == nil {
		return c.Run.Error
	}
	return c.Result.Error
}

// NewSweepJSON is a sweep of checks at ref (commit) as plumb drift --json
// prints it.
func NewSweepJSON(ref, commit string, started, finished time.Time, checks []Check) SweepJSON {
	out := SweepJSON{FormatVersion: "1", Ref: ref, Commit: commit, StartedAt: started, FinishedAt: finished, Projects: []ProjectJSON{}}
	for _, c := range checks {
		res := c.Result.Resources
		if res == nil {
			res = []plumb.DriftFinding{}
		}
		for i := range res {
			if res[i].Attributes == nil {
				res[i].Attributes = []string{}
			}
		}
		out.Projects = append(out.Projects, ProjectJSON{
			Name: c.Run.Project, Dir: c.Run.Dir, Workspace: c.Run.Workspace, Status: string(c.Status()),
			Resources: res, Error: c.Message(), RunID: c.Run.ID, DurationMS: c.Run.Duration().Milliseconds(),
		})
	}
	return out
}

// NewSweep is the sweep of checks at ref (commit) as the HTML report shows
// it. A check that did not run is an error of its project, with why.
func NewSweep(ref, commit string, started, finished time.Time, checks []Check) Sweep {
	s := Sweep{Ref: ref, Commit: commit, StartedAt: started, FinishedAt: finished}
	for _, c := range checks {
		res := c.Result
		if c.Run.Drift == nil {
			res = plumb.DriftResult{Status: plumb.DriftError, Error: c.Run.Error}
		}
		state := c.State
		s.Projects = append(s.Projects, NewProject(c.Run.Project, c.Run.Dir, c.Run.Workspace, res, c.Run.FinishedAt,
			func(f plumb.DriftFinding) time.Time { return state.FirstSeen[plumb.FindingKey(f)] }))
	}
	return s
}

// ExitCode is plumb drift's exit status: 1 when any check failed or did not
// run, else 2 when any project has drift or pending changes, else 0.
func ExitCode(checks []Check) int {
	found := false
	for _, c := range checks {
		switch c.Status() {
		case plumb.DriftError:
			return 1
		case plumb.DriftClean:
		default:
			found = true
		}
	}
	if found {
		return 2
	}
	return 0
}

// WriteTable writes an aligned row per project, then each project's
// findings (or why it has none), for people.
func WriteTable(w io.Writer, checks []Check) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROJECT\tDIR\tWORKSPACE\tSTATUS\tFINDINGS\tSINCE\tTIME")
	for _, c := range checks {
		n := len(Unacknowledged(c.Result.Resources))
		findings := fmt.Sprint(n)
		if acked := len(c.Result.Resources) - n; acked > 0 {
			findings += fmt.Sprintf(" (+%d acknowledged)", acked)
		}
		since := "-"
		if !c.State.Since.IsZero() && c.Status() != plumb.DriftClean {
			since = c.State.Since.Local().Format("2006-01-02 15:04")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Run.Project, c.Run.Dir, c.Run.Workspace, c.Status(), findings, since,
			c.Run.Duration().Round(100*time.Millisecond))
	}
	tw.Flush()
	for _, c := range checks {
		if msg := c.Message(); msg != "" {
			fmt.Fprintf(w, "\n── %s: %s ──\n  %s\n", c.Run.Project, c.Status(), strings.ReplaceAll(strings.TrimSpace(msg), "\n", "\n  "))
			continue
		}
		if len(c.Result.Resources) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n── %s: %s ──\n", c.Run.Project, c.Status())
		ft := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, f := range c.Result.Resources {
			note := ""
			if a := f.Acknowledged; a != nil {
				note = fmt.Sprintf("acknowledged by %s until %s: %s", a.By, a.Until.Format("2006-01-02"), a.Reason)
			}
			fmt.Fprintf(ft, "  %s\t%s\t%s\t%s\t%s\n", f.Address, f.Kind, f.Action, strings.Join(f.Attributes, ", "), note)
		}
		ft.Flush()
	}
}
