package dashboard

import (
	"net/url"
	"testing"
	"time"

	"github.com/plumbhq/plumb"
)

var now = time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)

func TestParseSince(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]time.Time{
		"":                          {},
		"2026-01-02T03:04:05Z":      time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		"2026-01-02T03:04:05+01:00": time.Date(2026, 1, 2, 2, 4, 5, 0, time.UTC),
		"2026-01-02":                time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC),
		"90m":                       now.Add(-90 * time.Minute),
		"24h":                       now.Add(-24 * time.Hour),
		"7d":                        now.Add(-7 * 24 * time.Hour),
	} {
		got, err := ParseSince(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseSince(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"yesterday", "-5m", "2026-13-01", "7dd", "1e9d"} {
		if _, err := ParseSince(bad, now); plumb.ErrorCode(err) != plumb.EINVALID {
			t.Errorf("ParseSince(%q): err %v, want invalid", bad, err)
		}
	}
}

func TestCursor(t *testing.T) {
	t.Parallel()
	c := plumb.Cursor{At: time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC), ID: "01JABC"}
	got, err := ParseCursor(Cursor(c))
	if err != nil || !got.At.Equal(c.At) || got.ID != c.ID {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
	if Cursor(plumb.Cursor{}) != "" {
		t.Fatal("the zero cursor is not empty text")
	}
	for _, bad := range []string{"!!", "bm9wZQ", Cursor(c)[:5]} {
		if _, err := ParseCursor(bad); plumb.ErrorCode(err) != plumb.EINVALID {
			t.Errorf("ParseCursor(%q): %v, want invalid", bad, err)
		}
	}
}

func TestQueries(t *testing.T) {
	t.Parallel()
	q, err := RunQueryOf(url.Values{"project": {"app-dev"}, "kind": {"apply"}, "status": {"applied"}, "since": {"1h"}, "limit": {"10"}})
	if err != nil {
		t.Fatal(err)
	}
	f, err := q.Filter(now)
	if err != nil || f.Project != "app-dev" || f.Kind != plumb.RunApply || f.Status != plumb.RunApplied || f.Limit != 10 ||
		!f.Since.Equal(now.Add(-time.Hour)) {
		t.Fatalf("filter %+v, %v", f, err)
	}
	if q, _ := RunQueryOf(url.Values{}); q.Limit != DefaultLimit {
		t.Fatalf("default limit %d", q.Limit)
	}
	for name, v := range map[string]url.Values{
		"kind":   {"kind": {"destroy"}},
		"status": {"status": {"done"}},
		"since":  {"since": {"soon"}},
		"cursor": {"cursor": {"x"}},
	} {
		q, err := RunQueryOf(v)
		if err == nil {
			_, err = q.Filter(now)
		}
		if plumb.ErrorCode(err) != plumb.EINVALID {
			t.Errorf("%s: %v, want invalid", name, err)
		}
	}
	for _, bad := range []string{"0", "-1", "501", "ten"} {
		if _, err := RunQueryOf(url.Values{"limit": {bad}}); plumb.ErrorCode(err) != plumb.EINVALID {
			t.Errorf("limit %q: %v, want invalid", bad, err)
		}
	}
	a, err := AuditQuery{Actor: "alice", Kind: "unlock", Since: "2026-01-02", Limit: 3}.Filter(now)
	if err != nil || a.Actor != "alice" || a.Action != "unlock" || a.Limit != 3 || a.Since.IsZero() {
		t.Fatalf("audit filter %+v, %v", a, err)
	}
	if _, err := (AuditQuery{Limit: -1}).Filter(now); plumb.ErrorCode(err) != plumb.EINVALID {
		t.Fatalf("negative limit: %v", err)
	}
}

func TestPages(t *testing.T) {
	t.Parallel()
	runs := []*plumb.Run{{ID: "b", CreatedAt: now, PlanText: "secret-ish plan"}, {ID: "a", CreatedAt: now.Add(-time.Minute)}}
	p := NewRunsPage(runs, 2)
	c, err := ParseCursor(p.NextCursor)
	if err != nil || c.ID != "a" || !c.At.Equal(now.Add(-time.Minute)) {
		t.Fatalf("next %+v %v", c, err)
	}
	if p.Runs[0].PlanText != "" || runs[0].PlanText == "" {
		t.Fatal("a listing carries no plan text, and leaves the runs given alone")
	}
	if NewRunsPage(runs, 3).NextCursor != "" || NewRunsPage(runs, 0).NextCursor != "" {
		t.Fatal("a short or unlimited page is the last")
	}
	if a := NewAuditPage(nil, 5); a.Entries == nil || a.NextCursor != "" {
		t.Fatalf("empty audit page %+v", a)
	}
}
