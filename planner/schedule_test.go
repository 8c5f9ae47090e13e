package planner

import (
	"testing"
	"time"
)

func TestSchedule(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		spec, now, prev, next string
	}{
		{"0 */6 * * *", "2026-03-04T07:30:00Z", "2026-03-04T06:00:00Z", "2026-03-04T12:00:00Z"},
		{"0 */6 * * *", "2026-03-04T06:00:00Z", "2026-03-04T06:00:00Z", "2026-03-04T12:00:00Z"},
		{"*/5 * * * *", "2026-03-04T07:31:10Z", "2026-03-04T07:30:00Z", "2026-03-04T07:35:00Z"},
		{"@weekly", "2026-03-04T07:30:00Z", "2026-03-01T00:00:00Z", "2026-03-08T00:00:00Z"},
		{"0 0 1 1 *", "2026-03-04T07:30:00Z", "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"},
	}
	for _, tt := range tests {
		s, err := ParseSchedule(tt.spec)
		if err != nil {
			t.Fatal(err)
		}
		now := at(tt.now)
		if got := s.Prev(now); !got.Equal(at(tt.prev)) {
			t.Errorf("%s: Prev(%s) = %s, want %s", tt.spec, tt.now, got, tt.prev)
		}
		if got := s.Next(now); !got.Equal(at(tt.next)) {
			t.Errorf("%s: Next(%s) = %s, want %s", tt.spec, tt.now, got, tt.next)
		}
	}
	if s, _ := ParseSchedule("0 0 30 2 *"); !s.Prev(at("2026-03-04T07:30:00Z")).IsZero() {
		t.Error("a schedule that never fires has a previous tick")
	}
	if _, err := ParseSchedule("0 0 * * * *"); err == nil {
		t.Error("6 fields accepted; want the 5-field form only")
	}
}

func FuzzParseSchedule(f *testing.F) {
	for _, s := range []string{"0 */6 * * *", "@daily", "1-5/2 0 L * MON", "", "* * * * * *"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		s, err := ParseSchedule(spec)
		if err != nil {
			return
		}
		now := time.Date(2026, 3, 4, 7, 30, 0, 0, time.UTC)
		if p := s.Prev(now); !p.IsZero() && p.After(now) {
			t.Fatalf("%q: Prev(%s) = %s is after it", spec, now, p)
		}
	})
}
