package dashboard

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/plumbhq/plumb"
)

// Page sizes of the API and the pages; the CLI's --limit is not capped.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// RunQuery is a runs listing as people ask for it: the API's query
// parameters and plumb runs' flags, parsed the same way.
type RunQuery struct {
	Repo, Project, Kind, Status, Since, Cursor string
	Limit                                      int
}

// AuditQuery is an audit listing as people ask for it.
type AuditQuery struct {
	Repo, Project, Actor, Kind, Since, Cursor string
	Limit                                     int
}

// RunQueryOf reads a RunQuery from URL parameters (repo, project, kind,
// status, since, cursor, limit).
func RunQueryOf(v url.Values) (RunQuery, error) {
	limit, err := limitOf(v)
	return RunQuery{Repo: v.Get("repo"), Project: v.Get("project"), Kind: v.Get("kind"), Status: v.Get("status"),
		Since: v.Get("since"), Cursor: v.Get("cursor"), Limit: limit}, err
}

// AuditQueryOf reads an AuditQuery from URL parameters (repo, project,
// actor, kind, since, cursor, limit).
func AuditQueryOf(v url.Values) (AuditQuery, error) {
	limit, err := limitOf(v)
	return AuditQuery{Repo: v.Get("repo"), Project: v.Get("project"), Actor: v.Get("actor"), Kind: v.Get("kind"),
		Since: v.Get("since"), Cursor: v.Get("cursor"), Limit: limit}, err
}

func limitOf(v url.Values) (int, error) {
	s := v.Get("limit")
	if s == "" {
		return DefaultLimit, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > MaxLimit {
		return 0, plumb.Errorf(plumb.EINVALID, "limit %q: want a number from 1 to %d", s, MaxLimit)
	}
	return n, nil
}

var (
	runKinds    = []string{string(plumb.RunPlan), string(plumb.RunApply), string(plumb.RunDrift)}
	runStatuses = []string{string(plumb.RunQueued), string(plumb.RunRunning), string(plumb.RunChanges),
		string(plumb.RunNoChanges), string(plumb.RunApplied), string(plumb.RunFailed), string(plumb.RunSkipped),
		string(plumb.RunBlocked)}
)

// Filter checks q and makes it a store filter; now anchors a relative
// since. EINVALID names the bad value and what is allowed.
func (q RunQuery) Filter(now time.Time) (plumb.RunFilter, error) {
	f := plumb.RunFilter{Repo: q.Repo, Project: q.Project, Kind: plumb.RunKind(q.Kind), Status: plumb.RunStatus(q.Status),
		Limit: q.Limit}
	if err := oneOf("kind", q.Kind, runKinds); err != nil {
		return f, err
	}
	if err := oneOf("status", q.Status, runStatuses); err != nil {
		return f, err
	}
	if q.Limit < 0 {
		return f, plumb.Errorf(plumb.EINVALID, "limit %d: want 0 (all) or more", q.Limit)
	}
	var err error
	if f.Since, err = ParseSince(q.Since, now); err != nil {
		return f, err
	}
	f.Before, err = ParseCursor(q.Cursor)
	return f, err
}

// Filter checks q and makes it a store filter.
func (q AuditQuery) Filter(now time.Time) (plumb.AuditFilter, error) {
	f := plumb.AuditFilter{Repo: q.Repo, Project: q.Project, Actor: q.Actor, Action: q.Kind, Limit: q.Limit}
	if q.Limit < 0 {
		return f, plumb.Errorf(plumb.EINVALID, "limit %d: want 0 (all) or more", q.Limit)
	}
	var err error
	if f.Since, err = ParseSince(q.Since, now); err != nil {
		return f, err
	}
	f.Before, err = ParseCursor(q.Cursor)
	return f, err
}

func oneOf(what, v string, allowed []string) error {
	if v == "" {
		return nil
	}
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return plumb.Errorf(plumb.EINVALID, "%s %q: want one of %s", what, v, strings.Join(allowed, ", "))
}

// ParseSince reads a point in time: RFC 3339, a date (2006-01-02, UTC), or
// a duration back from now (90m, 24h, 7d). Empty is the zero time.
func ParseSince(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n >= 0 && n < 100000 {
			return now.Add(-time.Duration(n) * 24 * time.Hour).UTC(), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d).UTC(), nil
	}
	return time.Time{}, plumb.Errorf(plumb.EINVALID,
		"since %q: want RFC 3339 (2026-01-02T15:04:05Z), a date (2026-01-02) or a duration ago (90m, 24h, 7d)", s)
}

// Cursor is the opaque text of a listing's next page.
func Cursor(c plumb.Cursor) string {
	if c.IsZero() {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte(c.At.UTC().Format(time.RFC3339Nano) + " " + c.ID))
}

// ParseCursor reads Cursor's text; empty is the first page. EINVALID for
// anything Cursor did not make.
func ParseCursor(s string) (plumb.Cursor, error) {
	if s == "" {
		return plumb.Cursor{}, nil
	}
	bad := plumb.Errorf(plumb.EINVALID, "cursor %q: not one this server gave out (use next_cursor as is)", s)
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return plumb.Cursor{}, bad
	}
	at, id, ok := strings.Cut(string(b), " ")
	t, err := time.Parse(time.RFC3339Nano, at)
	if !ok || err != nil || id == "" {
		return plumb.Cursor{}, bad
	}
	return plumb.Cursor{At: t, ID: id}, nil
}

// pageURL is the current URL with cursor set: the next page's link.
func pageURL(u *url.URL, cursor string) string {
	q := u.Query()
	q.Set("cursor", cursor)
	return fmt.Sprintf("%s?%s", u.Path, q.Encode())
}
