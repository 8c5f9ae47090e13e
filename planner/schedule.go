package planner

import (
	"fmt"
	"time"

	"github.com/robfig/cron/v3"
)

// Schedule is a parsed 5-field cron expression (minute hour day-of-month
// month day-of-week, as crontab(5); also @hourly, @daily, @weekly,
// @monthly), in the time zone of the times it is given.
type Schedule struct {
	spec  string
	sched cron.Schedule
}

var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseSchedule parses a drift schedule; the error says what is wrong and
// shows the expected form.
func ParseSchedule(spec string) (Schedule, error) {
	s, err := cronParser.Parse(spec)
	if err != nil {
		return Schedule{}, fmt.Errorf("schedule %q: %v (want 5 cron fields: minute hour day-of-month month day-of-week, e.g. \"0 */6 * * *\", or @hourly/@daily/@weekly)", spec, err)
	}
	return Schedule{spec: spec, sched: s}, nil
}

func (s Schedule) String() string { return s.spec }

// Next is the first tick after t.
func (s Schedule) Next(t time.Time) time.Time { return s.sched.Next(t) }

// Prev is the latest tick at or before t, and the zero time when there is
// none in the year before t (a schedule such as "0 0 30 2 *" never fires).
// cron has no reverse search, so it steps forward from a start that moves
// back until a tick falls in the window.
func (s Schedule) Prev(t time.Time) time.Time {
	for back := time.Hour; back <= 400*24*time.Hour; back *= 4 {
		var last time.Time
		for n := s.Next(t.Add(-back)); !n.IsZero() && !n.After(t); n = s.Next(n) {
			last = n
		}
		if !last.IsZero() {
			return last
		}
	}
	return time.Time{}
}

// Interval is the time between the tick at or before t and the next one.
func (s Schedule) Interval(t time.Time) time.Duration {
	prev := s.Prev(t)
	if prev.IsZero() {
		return 0
	}
	return s.Next(prev).Sub(prev)
}
