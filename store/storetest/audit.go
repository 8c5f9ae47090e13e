package storetest

import (
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
		all, err := s.Audit(ctx(t), 0)
		must(t, err)
		if d := cmp.Diff([]plumb.AuditEntry{b, c, a}, all); d != "" {
			t.Fatalf("Audit(0) (-want +got):\n%s", d)
		}
		two, err := s.Audit(ctx(t), 2)
		must(t, err)
		if d := cmp.Diff([]plumb.AuditEntry{b, c}, two); d != "" {
			t.Fatalf("Audit(2) (-want +got):\n%s", d)
		}
	})
	t.Run("Stamps", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		must(t, s.RecordAudit(ctx(t), plumb.AuditEntry{Actor: "cli", Action: "unlock"}))
		got, err := s.Audit(ctx(t), 0)
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
