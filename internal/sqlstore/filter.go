package sqlstore

import (
	"fmt"
	"strings"
	"time"

	"github.com/plumbhq/plumb"
)

// Where builds a WHERE clause of $n placeholders from a filter's fields.
type Where struct {
	conds []string
	Args  []any // one per placeholder, in order
}

func (w *Where) arg(v any) string {
	w.Args = append(w.Args, v)
	return fmt.Sprintf("$%d", len(w.Args))
}

// Eq adds col = v unless v is empty (empty matches everything).
func (w *Where) Eq(col, v string) {
	if v != "" {
		w.conds = append(w.conds, col+" = "+w.arg(v))
	}
}

// In adds col IN (vs…) unless vs is empty.
func (w *Where) In(col string, vs []string) {
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
func (w *Where) since(col string, t time.Time) {
	if !t.IsZero() {
		w.conds = append(w.conds, col+" >= "+w.arg(formatTime(t)))
	}
}

// before adds (col, idCol) < (c.At, c.ID) unless c is zero: the next page
// of a newest-first listing. Times sort as text (fixed nanoseconds).
func (w *Where) before(col, idCol string, c plumb.Cursor) {
	if c.IsZero() {
		return
	}
	t := w.arg(formatTime(c.At))
	w.conds = append(w.conds, fmt.Sprintf("(%s < %s OR (%s = %s AND %s < %s))", col, t, col, t, idCol, w.arg(c.ID)))
}

func (w *Where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// limit appends LIMIT n when n > 0.
func (w *Where) limit(q string, n int) string {
	if n > 0 {
		return q + " LIMIT " + w.arg(n)
	}
	return q
}

// RunWhere is the filter of Runs and LatestRuns, comparing Repos with
// the repos column (see Dialect.ReposColumn).
func RunWhere(f plumb.RunFilter, repos string) *Where {
	w := &Where{}
	w.Eq("repo", f.Repo)
	w.Eq("project", f.Project)
	w.Eq("kind", string(f.Kind))
	w.Eq("commit_sha", f.Commit)
	w.Eq("triggered_by", f.Trigger)
	w.Eq("status", string(f.Status))
	w.In(repos, f.Repos)
	w.since("created_at", f.Since)
	return w
}
