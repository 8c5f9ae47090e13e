package dashboard

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/plumbhq/plumb"
)

// Estate is the environment × project matrix: environments in promotion
// order as columns, project families (app-dev, app-prod → app) as rows.
type Estate struct {
	Environments []string `json:"environments"`
	Rows         []Row    `json:"-"`
	// Projects is every cell, row by row: the API's flat view.
	Projects []*Cell `json:"projects"`
}

// Row is one family of one repository; Cells line up with Environments
// (nil where the family has no project in that environment).
type Row struct {
	Repo, Family string
	Cells        []*Cell
}

// Cell is one project as the estate shows it.
type Cell struct {
	Repo        string `json:"repo"`
	Project     string `json:"project"`
	Family      string `json:"family"`
	Environment string `json:"environment"`
	Dir         string `json:"dir"`
	Workspace   string `json:"workspace"`
	// LastApply is the newest successful apply.
	LastApply *RunRef `json:"last_apply"`
	// Drift is the latest drift check's status, "" when never checked.
	Drift        plumb.DriftStatus `json:"drift"`
	DriftChecked time.Time         `json:"drift_checked_at,omitzero"`
	DriftRun     string            `json:"drift_run_id,omitempty"`
	Lock         *plumb.Lock       `json:"lock"`
	// PendingPlan is the plan of the pull request holding the lock, when
	// one does: what its merge would apply.
	PendingPlan *RunRef `json:"pending_plan"`
}

// RunRef is a run in a cell: enough to link to it and say what it did.
type RunRef struct {
	ID      string            `json:"id"`
	Commit  string            `json:"commit"`
	Trigger string            `json:"trigger"`
	Status  plumb.RunStatus   `json:"status"`
	Summary plumb.PlanSummary `json:"summary"`
	At      time.Time         `json:"at"`
}

func refOf(r *plumb.Run) *RunRef {
	at := r.FinishedAt
	if at.IsZero() {
		at = r.CreatedAt
	}
	return &RunRef{ID: r.ID, Commit: r.Commit, Trigger: r.Trigger, Status: r.Status, Summary: r.Summary, At: at}
}

// EstateFilter narrows the matrix: a repository, an environment (one
// column) and a status (a drift status, "unchecked", "locked" or
// "pending_plan").
type EstateFilter struct {
	Repo, Environment, Status string
}

var estateStatuses = []string{string(plumb.DriftClean), string(plumb.DriftDrifted), string(plumb.DriftPendingOnly),
	string(plumb.DriftDriftedPending), string(plumb.DriftError), "unchecked", "locked", "pending_plan"}

func (f EstateFilter) check() error { return oneOf("status", f.Status, estateStatuses) }

func (f EstateFilter) keeps(c *Cell) bool {
	switch f.Status {
	case "":
		return true
	case "unchecked":
		return c.Drift == ""
	case "locked":
		return c.Lock != nil
	case "pending_plan":
		return c.PendingPlan != nil
	}
	return string(c.Drift) == f.Status
}

// estate builds the matrix of repos (already narrowed to what the viewer
// reads) from four queries whatever the size: the last applies, the drift
// states, the locks and their holders' plans (a pull request's is its
// cell's pending plan).
func (d *Dashboard) estate(ctx context.Context, repos []plumb.RepoLayout, f EstateFilter) (*Estate, error) {
	e := &Estate{Environments: []string{}, Projects: []*Cell{}}
	var names []string
	for _, r := range repos {
		if f.Repo == "" || r.Repo == f.Repo {
			names = append(names, r.Repo)
		}
	}
	if len(names) == 0 {
		return e, nil
	}
	applies, err := d.cfg.Store.LatestRuns(ctx, plumb.RunFilter{Kind: plumb.RunApply, Status: plumb.RunApplied, Repos: names, Brief: true})
	if err != nil {
		return nil, err
	}
	lastApply := map[string]*plumb.Run{}
	for _, r := range applies {
		lastApply[r.Repo+"\x00"+r.Project] = r
	}
	states, err := d.cfg.Store.DriftStates(ctx, "")
	if err != nil {
		return nil, err
	}
	drift := map[string]plumb.DriftState{}
	for _, s := range states {
		drift[s.Repo+"\x00"+s.Project] = s
	}
	locks, err := d.cfg.Store.Locks(ctx)
	if err != nil {
		return nil, err
	}
	held := map[plumb.LockKey]plumb.Lock{}
	for _, l := range locks {
		held[l.Key] = l
	}
	plans, err := d.cfg.Store.LockHolderPlans(ctx, names)
	if err != nil {
		return nil, err
	}
	holderPlan := map[string]*plumb.Run{}
	for _, r := range plans {
		holderPlan[r.Repo+"\x00"+r.Project+"\x00"+r.Trigger] = r
	}
	envs := columns(repos, names)
	if f.Environment != "" {
		if !slices.Contains(envs, f.Environment) {
			return nil, plumb.Errorf(plumb.EINVALID, "environment %q: want one of %s", f.Environment, strings.Join(envs, ", "))
		}
		envs = []string{f.Environment}
	}
	e.Environments = envs
	col := map[string]int{}
	for i, env := range envs {
		col[env] = i
	}
	for _, r := range repos {
		if !slices.Contains(names, r.Repo) {
			continue
		}
		rows := map[string]*Row{}
		var order []string
		for _, p := range r.Projects {
			i, ok := col[p.Environment]
			if !ok {
				continue
			}
			c := &Cell{Repo: r.Repo, Project: p.Name, Family: Family(p, r.Environments), Environment: p.Environment,
				Dir: p.Dir, Workspace: workspace(p.Workspace)}
			key := r.Repo + "\x00" + p.Name
			if run := lastApply[key]; run != nil {
				c.LastApply = refOf(run)
			}
			if s, ok := drift[key]; ok {
				c.Drift, c.DriftChecked, c.DriftRun = s.Status, s.CheckedAt, s.RunID
			}
			if l, ok := held[plumb.LockKey{Repo: r.Repo, Dir: p.Dir, Workspace: c.Workspace}]; ok {
				c.Lock = &l
				if run := holderPlan[key+"\x00"+l.Owner]; run != nil && strings.HasPrefix(l.Owner, "PR #") {
					c.PendingPlan = refOf(run)
				}
			}
			if !f.keeps(c) {
				continue
			}
			row := rows[c.Family]
			if row == nil {
				row = &Row{Repo: r.Repo, Family: c.Family, Cells: make([]*Cell, len(envs))}
				rows[c.Family] = row
				order = append(order, c.Family)
			}
			if row.Cells[i] == nil { // two projects of a family in one environment: the first (apply order)
				row.Cells[i] = c
			}
			e.Projects = append(e.Projects, c)
		}
		for _, fam := range order {
			e.Rows = append(e.Rows, *rows[fam])
		}
	}
	return e, nil
}

// columns is the environments of the named repos in promotion order (the
// first repo's order, then any others'), "" last for projects with none.
func columns(repos []plumb.RepoLayout, names []string) []string {
	var envs []string
	none := false
	for _, r := range repos {
		if !slices.Contains(names, r.Repo) {
			continue
		}
		for _, env := range r.Environments {
			if !slices.Contains(envs, env) {
				envs = append(envs, env)
			}
		}
		for _, p := range r.Projects {
			if p.Environment == "" {
				none = true
			} else if !slices.Contains(envs, p.Environment) {
				envs = append(envs, p.Environment)
			}
		}
	}
	if none {
		envs = append(envs, "")
	}
	if envs == nil {
		envs = []string{}
	}
	return envs
}

// Family names what a project is across environments: its name without
// its environment (app-dev and app-prod are app), else its directory with
// the environment's path segment as * (envs/dev/app → envs/*/app), else
// its name.
func Family(p plumb.Project, envs []string) string {
	env := p.Environment
	if env == "" {
		return p.Name
	}
	parts := strings.FieldsFunc(p.Name, func(r rune) bool { return r == '-' || r == '_' || r == '.' })
	kept := slices.DeleteFunc(slices.Clone(parts), func(s string) bool { return strings.EqualFold(s, env) })
	if len(kept) > 0 && len(kept) < len(parts) {
		return strings.Join(kept, "-")
	}
	segs := strings.Split(p.Dir, "/")
	for i, s := range segs {
		if s == env {
			segs[i] = "*"
			return strings.Join(segs, "/")
		}
	}
	return p.Name
}

func workspace(ws string) string {
	if ws == "" {
		return plumb.DefaultWorkspace
	}
	return ws
}
