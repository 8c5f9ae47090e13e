package dashboard

import (
	"io"
	"net/http"
	"strings"

	"github.com/plumbhq/plumb"
)

// The API: the JSON of what the pages show, each answer with
// format_version "1", listings newest first and paged by next_cursor.

// writeAPI writes v, through Redact once more.
func (d *Dashboard) writeAPI(w http.ResponseWriter, v any) error {
	var buf strings.Builder
	if err := WriteJSON(&buf, v); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, err := io.WriteString(w, d.cfg.Redact(buf.String()))
	return err
}

// runsFor lists the runs of q the viewer may read.
func (d *Dashboard) runsFor(r *http.Request, q RunQuery) ([]*plumb.Run, error) {
	f, err := q.Filter(d.cfg.Now())
	if err != nil {
		return nil, err
	}
	a, _, err := d.viewerAccess(r.Context())
	if err != nil {
		return nil, err
	}
	if a.none() || (f.Repo != "" && !a.canRead(f.Repo)) {
		return []*plumb.Run{}, nil
	}
	f.Repos = a.repos()
	return d.cfg.Store.Runs(r.Context(), f)
}

func (d *Dashboard) apiRuns(w http.ResponseWriter, r *http.Request) error {
	q, err := RunQueryOf(r.URL.Query())
	if err != nil {
		return err
	}
	runs, err := d.runsFor(r, q)
	if err != nil {
		return err
	}
	return d.writeAPI(w, NewRunsPage(runs, q.Limit))
}

// RunDetail is GET /api/v1/runs/{id}: the run with its plan text and log.
type RunDetail struct {
	FormatVersion string     `json:"format_version"`
	Run           *plumb.Run `json:"run"`
	Log           []string   `json:"log"`
}

// readableRun is run id when the viewer may read its repository;
// ENOTFOUND otherwise, so its existence does not leak either.
func (d *Dashboard) readableRun(r *http.Request, id string) (*plumb.Run, error) {
	run, err := d.cfg.Store.Run(r.Context(), id)
	if err != nil {
		return nil, err
	}
	a, _, err := d.viewerAccess(r.Context())
	if err != nil {
		return nil, err
	}
	if !a.canRead(run.Repo) {
		return nil, plumb.Errorf(plumb.ENOTFOUND, "run %s not found", id)
	}
	return run, nil
}

func (d *Dashboard) apiRun(w http.ResponseWriter, r *http.Request) error {
	run, err := d.readableRun(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	log, err := d.cfg.Store.RunLog(r.Context(), run.ID)
	if err != nil {
		return err
	}
	return d.writeAPI(w, RunDetail{FormatVersion: FormatVersion, Run: run, Log: log})
}

// estateFor is the estate of the viewer's repositories under the URL's
// filter (repo, env, status).
func (d *Dashboard) estateFor(r *http.Request) (*Estate, EstateFilter, error) {
	q := r.URL.Query()
	f := EstateFilter{Repo: q.Get("repo"), Environment: q.Get("env"), Status: q.Get("status")}
	if err := f.check(); err != nil {
		return nil, f, err
	}
	_, repos, err := d.viewerAccess(r.Context())
	if err != nil {
		return nil, f, err
	}
	e, err := d.estate(r.Context(), repos, f)
	return e, f, err
}

func (d *Dashboard) apiProjects(w http.ResponseWriter, r *http.Request) error {
	e, _, err := d.estateFor(r)
	if err != nil {
		return err
	}
	return d.writeAPI(w, struct {
		FormatVersion string `json:"format_version"`
		*Estate
	}{FormatVersion, e})
}

// LocksPage is GET /api/v1/locks: held locks, oldest first, and who waits.
type LocksPage struct {
	FormatVersion string             `json:"format_version"`
	Locks         []LockJSON         `json:"locks"`
	Waiters       []plumb.LockWaiter `json:"waiters"`
}

func (d *Dashboard) locksFor(r *http.Request) (LocksPage, access, error) {
	p := LocksPage{FormatVersion: FormatVersion, Locks: []LockJSON{}, Waiters: []plumb.LockWaiter{}}
	a, _, err := d.viewerAccess(r.Context())
	if err != nil {
		return p, a, err
	}
	locks, err := d.cfg.Store.Locks(r.Context())
	if err != nil {
		return p, a, err
	}
	for _, l := range locks {
		if a.canRead(l.Key.Repo) {
			p.Locks = append(p.Locks, ToLockJSON(l))
		}
	}
	waiters, err := d.cfg.Store.LockWaiters(r.Context())
	if err != nil {
		return p, a, err
	}
	for _, wt := range waiters {
		if a.canRead(wt.Key.Repo) {
			p.Waiters = append(p.Waiters, wt)
		}
	}
	return p, a, nil
}

func (d *Dashboard) apiLocks(w http.ResponseWriter, r *http.Request) error {
	p, _, err := d.locksFor(r)
	if err != nil {
		return err
	}
	return d.writeAPI(w, p)
}

func (d *Dashboard) apiRelease(w http.ResponseWriter, r *http.Request) error {
	l, err := d.release(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return d.writeAPI(w, struct {
		FormatVersion string   `json:"format_version"`
		Released      LockJSON `json:"released"`
	}{FormatVersion, ToLockJSON(l)})
}

func (d *Dashboard) driftFor(r *http.Request) ([]plumb.DriftState, error) {
	a, _, err := d.viewerAccess(r.Context())
	if err != nil {
		return nil, err
	}
	states, err := d.cfg.Store.DriftStates(r.Context(), r.URL.Query().Get("repo"))
	if err != nil {
		return nil, err
	}
	out := []plumb.DriftState{}
	for _, s := range states {
		if a.canRead(s.Repo) {
			out = append(out, s)
		}
	}
	return out, nil
}

func (d *Dashboard) apiDrift(w http.ResponseWriter, r *http.Request) error {
	states, err := d.driftFor(r)
	if err != nil {
		return err
	}
	return d.writeAPI(w, struct {
		FormatVersion string             `json:"format_version"`
		Drift         []plumb.DriftState `json:"drift"`
	}{FormatVersion, states})
}

// auditFor lists the entries of the URL's query the viewer may read.
func (d *Dashboard) auditFor(r *http.Request) ([]plumb.AuditEntry, AuditQuery, error) {
	q, err := AuditQueryOf(r.URL.Query())
	if err != nil {
		return nil, q, err
	}
	f, err := q.Filter(d.cfg.Now())
	if err != nil {
		return nil, q, err
	}
	a, _, err := d.viewerAccess(r.Context())
	if err != nil {
		return nil, q, err
	}
	if a.none() || (f.Repo != "" && !a.canRead(f.Repo)) {
		return []plumb.AuditEntry{}, q, nil
	}
	f.Repos = a.repos()
	entries, err := d.cfg.Store.Audit(r.Context(), f)
	return entries, q, err
}

func (d *Dashboard) apiAudit(w http.ResponseWriter, r *http.Request) error {
	entries, q, err := d.auditFor(r)
	if err != nil {
		return err
	}
	return d.writeAPI(w, NewAuditPage(entries, q.Limit))
}
