package dashboard

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/plumbhq/plumb"
)

// FormatVersion is every JSON answer's format_version.
const FormatVersion = "1"

// RunsPage is a page of runs, newest first: GET /api/v1/runs and plumb
// runs --json. NextCursor is empty on the last page. Runs carry no
// plan_text here; GET /api/v1/runs/{id} has it.
type RunsPage struct {
	FormatVersion string       `json:"format_version"`
	Runs          []*plumb.Run `json:"runs"`
	NextCursor    string       `json:"next_cursor"`
}

// AuditPage is a page of the audit trail, newest first: GET /api/v1/audit
// and plumb audit --json.
type AuditPage struct {
	FormatVersion string             `json:"format_version"`
	Entries       []plumb.AuditEntry `json:"entries"`
	NextCursor    string             `json:"next_cursor"`
}

// NewRunsPage is the page of runs a query with limit returned.
func NewRunsPage(runs []*plumb.Run, limit int) RunsPage {
	p := RunsPage{FormatVersion: FormatVersion, Runs: make([]*plumb.Run, 0, len(runs))}
	for _, r := range runs {
		c := *r
		c.PlanText = ""
		p.Runs = append(p.Runs, &c)
	}
	if limit > 0 && len(runs) == limit {
		last := runs[len(runs)-1]
		p.NextCursor = Cursor(plumb.Cursor{At: last.CreatedAt, ID: last.ID})
	}
	return p
}

// NewAuditPage is the page of entries a query with limit returned.
func NewAuditPage(entries []plumb.AuditEntry, limit int) AuditPage {
	p := AuditPage{FormatVersion: FormatVersion, Entries: entries}
	if p.Entries == nil {
		p.Entries = []plumb.AuditEntry{}
	}
	if limit > 0 && len(entries) == limit {
		last := entries[len(entries)-1]
		p.NextCursor = Cursor(plumb.Cursor{At: last.At, ID: last.ID})
	}
	return p
}

// WriteJSON writes v indented, as every JSON answer and --json output.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// WriteRunsTable writes runs as an aligned table, ages from now.
func WriteRunsTable(w io.Writer, runs []*plumb.Run, now time.Time) error {
	if len(runs) == 0 {
		_, err := fmt.Fprintln(w, "no runs")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tPROJECT\tKIND\tSTATUS\tTRIGGER\tCOMMIT\tAGE\tDURATION")
	for _, r := range runs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Project, r.Kind, r.Status, r.Trigger,
			short(r.Commit), Age(now.Sub(r.CreatedAt)), duration(r))
	}
	return tw.Flush()
}

// WriteAuditTable writes entries as an aligned table.
func WriteAuditTable(w io.Writer, entries []plumb.AuditEntry) error {
	if len(entries) == 0 {
		_, err := fmt.Fprintln(w, "no audit entries")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "AT\tACTOR\tACTION\tREPO\tPROJECT\tCOMMIT\tRESULT")
	for _, a := range entries {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", a.At.UTC().Format(time.RFC3339), a.Actor, a.Action, a.Repo,
			a.Project, short(a.Commit), oneLine(a.Result))
	}
	return tw.Flush()
}

// WriteAuditCSV writes entries as CSV with a header row. A cell a
// spreadsheet would run as a formula (=, +, -, @) is prefixed with '.
func WriteAuditCSV(w io.Writer, entries []plumb.AuditEntry) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"id", "at", "actor", "action", "repo", "project", "commit", "run_id", "result"})
	for _, a := range entries {
		row := []string{a.ID, a.At.UTC().Format(time.RFC3339Nano), a.Actor, a.Action, a.Repo, a.Project, a.Commit, a.RunID, a.Result}
		for i, c := range row {
			if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
				row[i] = "'" + c
			}
		}
		cw.Write(row)
	}
	cw.Flush()
	return cw.Error()
}

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func duration(r *plumb.Run) string {
	if d := r.Duration(); d > 0 {
		return d.Round(100 * time.Millisecond).String()
	}
	return "-"
}

// Age is a short, human duration: 45s, 12m, 3h05m, 2d4h.
func Age(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", max(0, int(d.Seconds())))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd%dh", int(d.Hours())/24, int(d.Hours())%24)
}
