package drift

import (
	"testing"
	"time"
)

func TestParseUntil(t *testing.T) {
	now := time.Date(2026, 5, 6, 7, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"2026-12-31":           time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC),
		"2026-12-31T18:00:00Z": time.Date(2026, 12, 31, 18, 0, 0, 0, time.UTC),
		"14d":                  now.AddDate(0, 0, 14),
		"90m":                  now.Add(90 * time.Minute),
	} {
		got, err := ParseUntil(in, now, time.UTC)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseUntil(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "someday", "-3d", "0d", "-1h", "2026-13-01", "99999999d"} {
		if _, err := ParseUntil(bad, now, time.UTC); err == nil {
			t.Errorf("ParseUntil(%q) accepted", bad)
		}
	}
}

func FuzzParseUntil(f *testing.F) {
	for _, s := range []string{"2026-12-31", "14d", "72h", "2026-12-31T18:00:00Z", "d", "1e9d"} {
		f.Add(s)
	}
	now := time.Date(2026, 5, 6, 7, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseUntil(s, now, time.UTC)
		if err == nil && got.IsZero() {
			t.Fatalf("%q: a zero time without an error", s)
		}
	})
}
