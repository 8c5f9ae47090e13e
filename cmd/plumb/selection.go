package main

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/planner"
	"github.com/plumbhq/plumb/runner"
	"github.com/plumbhq/plumb/vcs"
)

// selection is what a plan or apply acts on: projects at one commit, with
// the reasons each was chosen.
type selection struct {
	Base, Head string
	Targets    []runner.Target
	Reasons    map[string][]string // by project name
}

// selectProjects picks the projects of a change (base and head set) or of
// one commit (ref, default HEAD), narrowed to names when given, in apply
// order.
func (m *Main) selectProjects(ctx context.Context, repo *vcs.Repo, base, head, ref string, names []string, trigger string) (*selection, error) {
	if (base == "") != (head == "") {
		return nil, plumb.Errorf(plumb.EINVALID, "--base and --head go together: give both, or neither and --ref")
	}
	if base != "" && ref != "" {
		return nil, plumb.Errorf(plumb.EINVALID, "give --base/--head or --ref, not both")
	}
	sel := &selection{Reasons: map[string][]string{}}
	var projects []plumb.Project
	if base != "" {
		ch, idx, err := Affected(ctx, repo, base, head)
		if err != nil {
			return nil, err
		}
		warn(m.Stderr, idx)
		sel.Base, sel.Head = ch.Base, ch.Head
		for _, a := range ch.Projects {
			projects = append(projects, a.Project)
			sel.Reasons[a.Project.Name] = a.Reasons
		}
		if len(names) > 0 {
			// -p narrows to named projects even when the change did not affect
			// them: the user asked for them by name.
			if all := idx.Projects; len(all) > 0 {
				projects = mergeNamed(projects, all, names, sel.Reasons)
			}
		}
	} else {
		if ref == "" {
			ref = "HEAD"
		}
		idx, sha, err := loadIndex(planner.NewLoader(), repo, ref)
		if err != nil {
			return nil, err
		}
		warn(m.Stderr, idx)
		sel.Head = sha
		projects = idx.Projects
	}
	projects, err := filterNamed(projects, names)
	if err != nil {
		return nil, err
	}
	if len(projects) == 0 && base == "" {
		fmt.Fprintf(m.Stderr, "plumb: no projects at %s; `plumb projects --explain` shows why each directory is or is not one\n", short(sel.Head))
	}
	tree, _, err := repo.Tree(sel.Head)
	if err != nil {
		return nil, err
	}
	for _, p := range projects {
		sel.Targets = append(sel.Targets, runner.Target{
			Repo: repo.Root, Commit: sel.Head, Base: sel.Base, Tree: tree, Project: p, Trigger: trigger,
		})
	}
	return sel, nil
}

// mergeNamed adds the named projects the change did not affect, keeping
// apply order from all.
func mergeNamed(affected, all []plumb.Project, names []string, reasons map[string][]string) []plumb.Project {
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	have := map[string]bool{}
	for _, p := range affected {
		have[p.Name] = true
	}
	var out []plumb.Project
	for _, p := range all {
		if have[p.Name] || want[p.Name] {
			if !have[p.Name] {
				reasons[p.Name] = []string{"named with -p"}
			}
			out = append(out, p)
		}
	}
	return out
}

// filterNamed keeps the named projects, in the given order; an unknown
// name is an error listing the known ones.
func filterNamed(projects []plumb.Project, names []string) ([]plumb.Project, error) {
	if len(names) == 0 {
		return projects, nil
	}
	byName := map[string]bool{}
	for _, n := range names {
		byName[n] = true
	}
	var out []plumb.Project
	for _, p := range projects {
		if byName[p.Name] {
			out = append(out, p)
			delete(byName, p.Name)
		}
	}
	if len(byName) > 0 {
		var unknown, known []string
		for n := range byName {
			unknown = append(unknown, n)
		}
		for _, p := range projects {
			known = append(known, p.Name)
		}
		sort.Strings(unknown)
		return nil, plumb.Errorf(plumb.EINVALID, "no project named %s here; projects: %s (see plumb projects)",
			strings.Join(unknown, ", "), strings.Join(known, ", "))
	}
	return out, nil
}

// engines lists the engines the selected projects run.
func (s *selection) engines() []plumb.Engine {
	var out []plumb.Engine
	for _, t := range s.Targets {
		e := t.Project.Engine
		if e == "" {
			e = plumb.EngineTofu
		}
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return out
}

// newRunner opens the store and a runner on the repo's data dir for the
// selection's projects. close must be called when done.
func (m *Main) newRunner(ctx context.Context, repoRoot string, sel *selection, workers int) (*runner.Runner, plumb.Store, func(), error) {
	st, err := m.openStore(ctx, repoRoot)
	if err != nil {
		return nil, nil, nil, err
	}
	r, err := runner.New(runner.Config{
		DataDir:  m.dataDirFor(repoRoot),
		Store:    st,
		Engines:  m.findEngines(ctx, m.dataDirFor(repoRoot), sel.engines()...),
		Env:      m.Environ(),
		Redactor: m.Redactor,
		Logger:   m.Logger,
		Workers:  workers,
	})
	if err != nil {
		st.Close()
		return nil, nil, nil, err
	}
	return r, st, func() { st.Close() }, nil
}

// describe is a project list for messages: "3 projects at 0123abcd".
func (s *selection) describe() string {
	n := len(s.Targets)
	word := "projects"
	if n == 1 {
		word = "project"
	}
	if s.Base != "" {
		return fmt.Sprintf("%d %s affected by %s..%s", n, word, short(s.Base), short(s.Head))
	}
	return fmt.Sprintf("%d %s at %s", n, word, short(s.Head))
}
