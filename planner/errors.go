package planner

import (
	"fmt"
	"sort"
	"strings"

	"github.com/plumbhq/plumb"
)

// ConfigError is one problem in plumb.yaml or in a project's Terraform
// files, located as precisely as the input allows.
type ConfigError struct {
	File    string // repo-relative
	Line    int    // 1-based; 0 when unknown
	Col     int    // 1-based; 0 when unknown
	Path    string // key path: "projects[0].dir", "module.vpc.source"
	Message string
}

// Error formats the error as FILE:LINE:COL: path.to.key: message.
func (e ConfigError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, max(e.Col, 1))
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Message)
	return b.String()
}

// ConfigErrors collects every problem found, not only the first.
type ConfigErrors []ConfigError

// Error lists every error, one a line.
func (es ConfigErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Err returns nil for no errors, else the sorted errors wrapped as an
// EINVALID plumb.Error so callers map it to exit code 1.
func (es ConfigErrors) Err() error {
	if len(es) == 0 {
		return nil
	}
	es.sort()
	return &plumb.Error{Code: plumb.EINVALID, Message: es.Error(), Err: es}
}

func (es ConfigErrors) sort() {
	sort.SliceStable(es, func(i, j int) bool {
		a, b := es[i], es[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
}

// suggest returns ` (did you mean "x"?)` for the candidate nearest to got,
// or "" when none is close enough to be a likely typo: at most half of got's
// letters (one for short words) may be wrong, so "tf" is not taken for a
// misspelt "tofu".
func suggest(got string, candidates []string) string {
	best, bestD := "", max(1, len([]rune(got))/2)+1
	for _, c := range candidates {
		if d := distance(got, c); d < bestD || (d == bestD && best != "" && c < best) {
			best, bestD = c, d
		}
	}
	if best == "" || best == got {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// distance is the Levenshtein distance between a and b, by runes.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
