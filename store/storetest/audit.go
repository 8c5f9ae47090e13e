package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/plumbhq/plumb"
)

func testAudit(t *testing.T, open func(t *testing.T) plumb.Store) {
	t.Run("RecordAndList", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		e := func(id string, d time.Duration, action string) plumb.AuditEntry {
			return plumb.AuditEntry{ID: id, At: at(d), Actor: "PR #12", Action: action, Repo: "acme/infra",
				Project: "app-dev", Commit: "c0ffee", RunID: "run-" + id, Result: "applied"}
		}
		a, b, c := e("a", 0, "plan"), e("b", time.Minute, "apply"), e("c", time.Second, "unlock")
		for _, x := range []plumb.AuditEntry{a, b, c} {
			must(t, s.RecordAudit(ctx(t), x))
		}
		all, err := s.Audit(ctx(t), plumb.AuditFilter{})
		must(t, err)
		if d := cmp.Diff([]plumb.AuditEntry{b, c, a}, all); d != "" {
			t.Fatalf("Audit(0) (-want +got):\n%s", d)
		}
		two, err := s.Audit(ctx(t), plumb.AuditFilter{Limit: 2})
		must(t, err)
		if d := cmp.Diff([]plumb.AuditEntry{b, c}, two); d != "" {
			t.Fatalf("Audit(2) (-want +got):\n%s", d)
		}
	})
	t.Run("Filter", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		var all []plumb.AuditEntry
		for i, e := range []struct{ actor, action, repo, project string }{
			{"alice", "unlock", "acme/infra", "app-dev"},
			{"PR #3", "plan", "acme/infra", "app-prod"},
			{"bob", "lock", "acme/other", "app-dev"},
			{"alice", "apply", "acme/infra", "app-prod"},
			{"alice", "unlock", "acme/other", "db-prod"},
		} {
			a := plumb.AuditEntry{ID: fmt.Sprintf("e%d", i), At: at(time.Duration(i) * time.Minute), Actor: e.actor,
				Action: e.action, Repo: e.repo, Project: e.project, Result: "ok"}
			must(t, s.RecordAudit(ctx(t), a))
			all = append([]plumb.AuditEntry{a}, all...) // newest first
		}
		ids := func(es []plumb.AuditEntry) []string {
			out := []string{}
			for _, e := range es {
				out = append(out, e.ID)
			}
			return out
		}
		for _, c := range []struct {
			name string
			f    plumb.AuditFilter
			want []string
		}{
			{"actor", plumb.AuditFilter{Actor: "alice"}, []string{"e4", "e3", "e0"}},
			{"project", plumb.AuditFilter{Project: "app-prod"}, []string{"e3", "e1"}},
			{"action", plumb.AuditFilter{Action: "unlock"}, []string{"e4", "e0"}},
			{"repo", plumb.AuditFilter{Repo: "acme/other"}, []string{"e4", "e2"}},
			{"repos", plumb.AuditFilter{Repos: []string{"acme/other", "nope/none"}}, []string{"e4", "e2"}},
			{"since", plumb.AuditFilter{Since: at(3 * time.Minute)}, []string{"e4", "e3"}},
			{"combined", plumb.AuditFilter{Actor: "alice", Repo: "acme/infra", Since: at(time.Minute)}, []string{"e3"}},
			{"before", plumb.AuditFilter{Before: plumb.Cursor{At: all[1].At, ID: all[1].ID}}, []string{"e2", "e1", "e0"}},
			{"none", plumb.AuditFilter{Actor: "mallory"}, []string{}},
		} {
			got, err := s.Audit(ctx(t), c.f)
			must(t, err)
			if d := cmp.Diff(c.want, ids(got)); d != "" {
				t.Errorf("%s (-want +got):\n%s", c.name, d)
			}
		}
	})
	t.Run("Pages", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		// Entries at the same instant are paged by ID, none lost or repeated.
		for i := range 7 {
			must(t, s.RecordAudit(ctx(t), plumb.AuditEntry{ID: fmt.Sprintf("e%d", i), At: at(time.Duration(i/3) * time.Second),
				Actor: "cli", Action: "plan"}))
		}
		var got []string
		var cur plumb.Cursor
		for range 10 {
			page, err := s.Audit(ctx(t), plumb.AuditFilter{Limit: 3, Before: cur})
			must(t, err)
			if len(page) == 0 {
				break
			}
			for _, e := range page {
				got = append(got, e.ID)
			}
			last := page[len(page)-1]
			cur = plumb.Cursor{At: last.At, ID: last.ID}
		}
		if d := cmp.Diff([]string{"e6", "e5", "e4", "e3", "e2", "e1", "e0"}, got); d != "" {
			t.Fatalf("pages (-want +got):\n%s", d)
		}
	})
	t.Run("Stamps", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		must(t, s.RecordAudit(ctx(t), plumb.AuditEntry{Actor: "cli", Action: "unlock"}))
		got, err := s.Audit(ctx(t), plumb.AuditFilter{})
		must(t, err)
		if len(got) != 1 || got[0].ID == "" || got[0].At.IsZero() {
			t.Fatalf("got %+v", got)
		}
	})
	t.Run("Invalid", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		wantCode(t, s.RecordAudit(ctx(t), plumb.AuditEntry{Action: "plan"}), plumb.EINVALID)
		wantCode(t, s.RecordAudit(ctx(t), plumb.AuditEntry{Actor: "cli"}), plumb.EINVALID)
	})
}
