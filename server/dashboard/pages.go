package dashboard

import (
	"bytes"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/plumbhq/plumb"
)

// pages holds one template per page, each the layout plus its content.
type pages struct {
	t map[string]*template.Template
}

func parsePages() (*pages, error) {
	funcs := template.FuncMap{
		"short":    short,
		"ago":      func(t time.Time) string { return ago(time.Now(), t) },
		"matrix":   matrix,
		"stamp":    func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05Z") },
		"duration": duration,
		"env": func(e string) string {
			if e == "" {
				return "(none)"
			}
			return e
		},
		"projectURL": projectURL,
		"join":       strings.Join,
	}
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(assets, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	files, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{t: map[string]*template.Template{}}
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(f, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(assets, f)
		if err != nil {
			return nil, err
		}
		p.t[name] = t
	}
	return p, nil
}

func projectURL(repo, project string) string {
	return "/projects/" + repo + "/" + project
}

// render writes page name with data. The whole page goes through Redact
// once more before it leaves.
func (d *Dashboard) render(w http.ResponseWriter, r *http.Request, status int, name string, data map[string]any) {
	v := viewerFrom(r.Context())
	if data == nil {
		data = map[string]any{}
	}
	data["Viewer"], data["CSRF"], data["Path"] = v, v.csrf, r.URL.Path
	var buf bytes.Buffer
	if err := d.pages.t[name].ExecuteTemplate(&buf, "layout.html", data); err != nil {
		d.cfg.Logger.Error("render page", "page", name, "error", err)
		http.Error(w, "internal error (see the server log)", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	io.WriteString(w, d.cfg.Redact(buf.String()))
}

func (d *Dashboard) estatePage(w http.ResponseWriter, r *http.Request) error {
	e, f, err := d.estateFor(r)
	if err != nil {
		return err
	}
	_, repos, err := d.viewerAccess(r.Context())
	if err != nil {
		return err
	}
	var names, envs []string
	for _, repo := range repos {
		names = append(names, repo.Repo)
	}
	envs = columns(repos, names)
	d.render(w, r, http.StatusOK, "estate", map[string]any{"Title": "Estate", "Estate": e, "Filter": f,
		"Repos": names, "Envs": envs, "Statuses": estateStatuses})
	return nil
}

func (d *Dashboard) projectPage(w http.ResponseWriter, r *http.Request) error {
	repo := r.PathValue("owner") + "/" + r.PathValue("repo")
	name := r.PathValue("project")
	a, repos, err := d.viewerAccess(r.Context())
	if err != nil {
		return err
	}
	if !a.canRead(repo) {
		return plumb.Errorf(plumb.ENOTFOUND, "no project %s in %s", name, repo)
	}
	q, err := RunQueryOf(r.URL.Query())
	if err != nil {
		return err
	}
	q.Repo, q.Project = repo, name
	runs, err := d.runsFor(r, q)
	if err != nil {
		return err
	}
	var proj *plumb.Project
	for _, rp := range repos {
		for i, p := range rp.Projects {
			if rp.Repo == repo && p.Name == name {
				proj = &rp.Projects[i]
			}
		}
	}
	data := map[string]any{"Title": name, "Repo": repo, "Name": name, "Project": proj, "Runs": runs, "Query": q}
	if page := NewRunsPage(runs, q.Limit); page.NextCursor != "" {
		data["Next"] = pageURL(r.URL, page.NextCursor)
	}
	if s, err := d.cfg.Store.DriftState(r.Context(), repo, name); err == nil {
		data["Drift"] = s
	} else if plumb.ErrorCode(err) != plumb.ENOTFOUND {
		return err
	}
	if last, err := d.cfg.Store.Runs(r.Context(), plumb.RunFilter{Repo: repo, Project: name, Kind: plumb.RunApply,
		Status: plumb.RunApplied, Limit: 1}); err != nil {
		return err
	} else if len(last) == 1 {
		data["LastApply"] = last[0]
	}
	locks, err := d.cfg.Store.Locks(r.Context())
	if err != nil {
		return err
	}
	for _, l := range locks {
		if l.Key.Repo == repo && l.Project == name {
			data["Lock"] = l
		}
	}
	waiters, err := d.cfg.Store.LockWaiters(r.Context())
	if err != nil {
		return err
	}
	var line []plumb.LockWaiter
	for _, wt := range waiters {
		if wt.Key.Repo == repo && wt.Project == name {
			line = append(line, wt)
		}
	}
	data["Waiters"] = line
	d.render(w, r, http.StatusOK, "project", data)
	return nil
}
