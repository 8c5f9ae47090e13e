package sqlite

import (
	"fmt"
	"strings"
	"time"

	"github.com/plumbhq/plumb"
)

// where builds a WHERE clause of $n placeholders from a filter's fields.
type where struct {
	conds []string
	args  []any
}

func (w *where) arg(v any) string {
	w.args = append(w.args, v)
	return fmt.Sprintf("$%d", len(w.args))
}

// eq adds col = v unless v is empty (empty matches everything).
func (w *where) eq(col, v string) {
	if v != "" {
		w.conds = append(w.conds, col+" = "+w.arg(v))
	}
}

// in adds col IN (vs…) unless vs is empty.
func (w *where) in(col string, vs []string) {
	if len(vs) == 0 {
		return
	}
	ph := make([]string, len(vs))
	for i, v := range vs {
		ph[i] = w.arg(v)
	}
	w.conds = append(w.conds, col+" IN ("+strings.Join(ph, ", ")+")")
}

// since adds col >= t unless t is zero.
func (w *where) since(col string, t time.Time) {
	if !t.IsZero() {
		w.conds = append(w.conds, col+" >= "+w.arg(formatTime(t)))
	}
}

// before adds (col, idCol) < (c.At, c.ID) unless c is zero: the next page
// of a newest-first listing. Times sort as text (fixed nanoseconds).
func (w *where) before(col, idCol string, c plumb.Cursor) {
	if c.IsZero() {
		return
	}
	t := w.arg(formatTime(c.At))
	w.conds = append(w.conds, fmt.Sprintf("(%s < %s OR (%s = %s AND %s < %s))", col, t, col, t, idCol, w.arg(c.ID)))
}

func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// limit appends LIMIT n when n > 0.
func (w *where) limit(q string, n int) string {
	if n > 0 {
		return q + " LIMIT " + w.arg(n)
	}
	return q
}

// runWhere is the filter of Runs and LatestRuns. Repos is "+repo", which
// keeps SQLite from looking the repos up in an index: a page of a listing
// then walks created_at's index newest first and keeps the repos' runs,
// instead of sorting every run of the repos for one page; LatestRuns
// walks plumb_runs_latest by kind and status either way.
func runWhere(f plumb.RunFilter) *where {
	w := &where{}
	repos := "+repo"
	w.eq("repo", f.Repo)
	w.eq("project", f.Project)
	w.eq("kind", string(f.Kind))
	w.eq("commit_sha", f.Commit)
	w.eq("triggered_by", f.Trigger)
	w.eq("status", string(f.Status))
	w.in(repos, f.Repos)
	w.since("created_at", f.Since)
	return w
}
