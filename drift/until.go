package drift

import (
	"strconv"
	"strings"
	"time"

	"github.com/plumbhq/plumb"
)

// ParseUntil reads when an acknowledgement ends: an RFC 3339 time, a date
// (the end of that day in loc), or a duration from now (Go's, such as
// 72h, or days: 14d). The error shows the three forms.
func ParseUntil(s string, now time.Time, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		return t.AddDate(0, 0, 1).Add(-time.Second), nil
	}
	if d, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(d); err == nil && n > 0 && n <= 3650 {
			return now.AddDate(0, 0, n), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(d), nil
	}
	return time.Time{}, plumb.Errorf(plumb.EINVALID, "--until %q: give a date (2026-12-31), an RFC 3339 time (2026-12-31T18:00:00Z) or a duration (72h, 14d)", s)
}
