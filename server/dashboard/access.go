package dashboard

import (
	"context"
	"slices"

	"github.com/plumbhq/plumb"
)

// access is what one viewer may see: every repository (the admin token)
// or those GitHub says they can read, and where they can write.
type access struct {
	all         bool
	read, write map[string]bool
}

func (a access) canRead(repo string) bool  { return a.all || a.read[repo] }
func (a access) canWrite(repo string) bool { return a.all || a.write[repo] }

// repos lists the readable repositories, sorted (nil when all).
func (a access) repos() []string {
	if a.all {
		return nil
	}
	out := []string{}
	for r, ok := range a.read {
		if ok {
			out = append(out, r)
		}
	}
	slices.Sort(out)
	return out
}

// none reports whether a listing scoped to a can hold nothing: a store
// filter's empty Repos would mean every repository.
func (a access) none() bool { return !a.all && len(a.repos()) == 0 }

// layout is the estate's repositories: cfg.Layout's, else what the store
// holds (drift states and locks), without environments.
func (d *Dashboard) layout(ctx context.Context) ([]plumb.RepoLayout, error) {
	if d.cfg.Layout != nil {
		return d.cfg.Layout(ctx)
	}
	byRepo := map[string]*plumb.RepoLayout{}
	var order []string
	add := func(repo string, p plumb.Project) {
		r := byRepo[repo]
		if r == nil {
			r = &plumb.RepoLayout{Repo: repo}
			byRepo[repo] = r
			order = append(order, repo)
		}
		for _, q := range r.Projects {
			if q.Name == p.Name {
				return
			}
		}
		r.Projects = append(r.Projects, p)
	}
	states, err := d.cfg.Store.DriftStates(ctx, "")
	if err != nil {
		return nil, err
	}
	for _, s := range states {
		add(s.Repo, plumb.Project{Name: s.Project, Dir: s.Dir, Workspace: s.Workspace})
	}
	latest, err := d.cfg.Store.LatestRuns(ctx, plumb.RunFilter{})
	if err != nil {
		return nil, err
	}
	for _, r := range latest {
		add(r.Repo, plumb.Project{Name: r.Project, Dir: r.Dir, Workspace: r.Workspace})
	}
	out := make([]plumb.RepoLayout, 0, len(order))
	for _, name := range order {
		out = append(out, *byRepo[name])
	}
	return out, nil
}

// accessOf asks (through the cache) what v may do on each repository of
// the layout. A permission GitHub does not answer counts as none.
func (d *Dashboard) accessOf(ctx context.Context, v viewer, repos []plumb.RepoLayout) access {
	if v.Admin {
		return access{all: true}
	}
	a := access{read: map[string]bool{}, write: map[string]bool{}}
	for _, r := range repos {
		perm, err := d.perms.get(ctx, r.Repo, v.Login)
		if err != nil {
			d.cfg.Logger.Warn("permission unknown", "repo", r.Repo, "user", v.Login, "error", err)
			continue
		}
		a.read[r.Repo], a.write[r.Repo] = canRead(perm), canWrite(perm)
	}
	return a
}

// viewerAccess is accessOf for the request's viewer and the layout.
func (d *Dashboard) viewerAccess(ctx context.Context) (access, []plumb.RepoLayout, error) {
	repos, err := d.layout(ctx)
	if err != nil {
		return access{}, nil, err
	}
	a := d.accessOf(ctx, viewerFrom(ctx), repos)
	var visible []plumb.RepoLayout
	for _, r := range repos {
		if a.canRead(r.Repo) {
			visible = append(visible, r)
		}
	}
	return a, visible, nil
}

// lockOf finds a held lock by ID. ENOTFOUND when none.
func (d *Dashboard) lockOf(ctx context.Context, id string) (plumb.Lock, error) {
	locks, err := d.cfg.Store.Locks(ctx)
	if err != nil {
		return plumb.Lock{}, err
	}
	for _, l := range locks {
		if l.ID == id {
			return l, nil
		}
	}
	return plumb.Lock{}, plumb.Errorf(plumb.ENOTFOUND, "no lock with id %q (released meanwhile?)", id)
}

// release frees a lock for v after checking write permission, audits it
// and wakes its waiters.
func (d *Dashboard) release(ctx context.Context, id string) (plumb.Lock, error) {
	v := viewerFrom(ctx)
	l, err := d.lockOf(ctx, id)
	if err != nil {
		return l, err
	}
	a, _, err := d.viewerAccess(ctx)
	if err != nil {
		return l, err
	}
	if !a.canRead(l.Key.Repo) {
		return l, plumb.Errorf(plumb.ENOTFOUND, "no lock with id %q (released meanwhile?)", id)
	}
	if !a.canWrite(l.Key.Repo) {
		return l, forbidden{msg: "releasing a lock of " + l.Key.Repo + " needs write permission on it; " + v.Login + " has less"}
	}
	if l, err = ReleaseLock(ctx, d.cfg.Store, id, v.Login, "dashboard"); err != nil {
		return l, err
	}
	d.cfg.Logger.Info("lock released", "repo", l.Key.Repo, "project", l.Project, "user", v.Login, "owner", l.Owner)
	if d.cfg.Released != nil {
		d.cfg.Released(ctx, l)
	}
	return l, nil
}
