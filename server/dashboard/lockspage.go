package dashboard

import (
	"net/http"
	"strings"

	"github.com/plumbhq/plumb"
)

func (d *Dashboard) locksPage(w http.ResponseWriter, r *http.Request) error {
	p, a, err := d.locksFor(r)
	if err != nil {
		return err
	}
	writable := map[string]bool{}
	for _, l := range p.Locks {
		writable[l.ID] = a.canWrite(l.Repo)
	}
	d.render(w, r, http.StatusOK, "locks", map[string]any{"Title": "Locks", "Locks": p.Locks, "Waiters": p.Waiters,
		"Writable": writable, "Released": r.URL.Query().Get("released")})
	return nil
}

// releaseConfirm asks before a lock is released (the form posts back).
func (d *Dashboard) releaseConfirm(w http.ResponseWriter, r *http.Request) error {
	l, err := d.lockOf(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	a, _, err := d.viewerAccess(r.Context())
	if err != nil {
		return err
	}
	if !a.canRead(l.Key.Repo) {
		return plumb.Errorf(plumb.ENOTFOUND, "no lock with id %q (released meanwhile?)", l.ID)
	}
	d.render(w, r, http.StatusOK, "release", map[string]any{"Title": "Release lock", "Lock": l,
		"Writable": a.canWrite(l.Key.Repo)})
	return nil
}

func (d *Dashboard) releasePost(w http.ResponseWriter, r *http.Request) error {
	if !checkCSRF(viewerFrom(r.Context()), r) {
		return forbidden{msg: "the form's CSRF token is missing or stale: reload the page and try again"}
	}
	if r.PostFormValue("confirm") != "yes" {
		return plumb.Errorf(plumb.EINVALID, "releasing a lock needs the confirmation (confirm=yes)")
	}
	l, err := d.release(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/locks?released="+l.ID, http.StatusSeeOther)
	return nil
}

func (d *Dashboard) driftPage(w http.ResponseWriter, r *http.Request) error {
	states, err := d.driftFor(r)
	if err != nil {
		return err
	}
	d.render(w, r, http.StatusOK, "drift", map[string]any{"Title": "Drift", "States": states})
	return nil
}

func (d *Dashboard) auditPage(w http.ResponseWriter, r *http.Request) error {
	entries, q, err := d.auditFor(r)
	if err != nil {
		return err
	}
	data := map[string]any{"Title": "Audit", "Entries": entries, "Query": q, "Export": r.URL.RawQuery}
	if p := NewAuditPage(entries, q.Limit); p.NextCursor != "" {
		data["Next"] = pageURL(r.URL, p.NextCursor)
	}
	d.render(w, r, http.StatusOK, "audit", data)
	return nil
}

// auditCSV exports every entry matching the filters (cursor and limit
// ignored), a page of MaxLimit at a time.
func (d *Dashboard) auditCSV(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	q.Del("cursor")
	q.Set("limit", "500")
	r.URL.RawQuery = q.Encode()
	var all []plumb.AuditEntry
	for {
		entries, aq, err := d.auditFor(r)
		if err != nil {
			return err
		}
		all = append(all, entries...)
		next := NewAuditPage(entries, aq.Limit).NextCursor
		if next == "" {
			break
		}
		q.Set("cursor", next)
		r.URL.RawQuery = q.Encode()
	}
	var buf strings.Builder
	if err := WriteAuditCSV(&buf, all); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="plumb-audit.csv"`)
	w.Write([]byte(d.cfg.Redact(buf.String())))
	return nil
}
