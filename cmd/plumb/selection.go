package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
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
	// Unplanned: Terraform files the change touched that no project plans.
	Unplanned []plumb.Unplanned
	key       vcs.RepoKey // what the targets' Repo is and why
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
	sel := &selection{Reasons: map[string][]string{}, key: vcs.RepoKeyOf(repo.Root)}
	var projects []plumb.Project
	if base != "" {
		ch, idx, err := Affected(ctx, repo, base, head)
		if err != nil {
			return nil, err
		}
		warn(m.Stderr, idx)
		sel.Base, sel.Head, sel.Unplanned = ch.Base, ch.Head, ch.Unplanned
		for _, a := range ch.Projects {
			projects = append(projects, a.Project)
			sel.Reasons[a.Project.Name] = a.Reasons
		}
		if len(names) > 0 {
			// -p narrows to named projects even when the change did not affect
			// them: the user asked for them by name.
			if all := idx.Projects; len(all) > 0 {
				projects = planner.WithNamed(projects, all, names, sel.Reasons)
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
	projects, err := planner.OnlyNamed(projects, names)
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
			Repo: sel.key.Key, Commit: sel.Head, Base: sel.Base, Tree: tree, Project: p, Trigger: trigger,
		})
	}
	return sel, nil
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
	art, err := m.openArtifacts(ctx, true)
	if err != nil {
		st.Close()
		return nil, nil, nil, err
	}
	dataDir := m.dataDirFor(repoRoot)
	stateURL, stateS3 := m.Artifacts.state()
	r, err := runner.New(runner.Config{
		DataDir:     dataDir,
		Store:       st,
		Artifacts:   art,
		Engines:     m.findEngines(ctx, dataDir, sel.engines()...),
		Fetcher:     m.engineFetcher(dataDir),
		Env:         m.Environ(),
		Credentials: m.plumbCredentials(),
		Redactor:    m.Redactor,
		Logger:      m.Logger,
		Workers:     workers,
		StateURL:    stateURL,
		StateS3:     stateS3,
	})
	if err == nil {
		err = m.settleRepoKey(r, sel, dataDir)
	}
	if err != nil {
		st.Close()
		return nil, nil, nil, err
	}
	leases, stop := context.WithCancel(ctx) // a long apply outlives one lease
	go r.KeepLeases(leases, false)
	return r, st, func() { stop(); st.Close() }, nil
}

// settleRepoKey keeps state where the selection's key expects it. Keyed
// by owner/name, it moves what earlier CLI runs kept under the local path
// (saying so). Keyed by the local path, it says once per data dir where
// the state goes and how to share it with plumb serve.
func (m *Main) settleRepoKey(r *runner.Runner, sel *selection, dataDir string) error {
	k := sel.key
	if k.Local == "" {
		if k.Why != "" && firstNotice(dataDir, k.Key) {
			fmt.Fprintf(m.Stderr, "plumb: %s is known by its local path, since %s: plumb keeps its state in %s under that path, "+
				"where plumb serve (which knows repositories as owner/name) will not find it. To share the state with a server, "+
				"add the GitHub remote (git remote add origin https://github.com/OWNER/NAME.git): the next plan or apply moves the state to OWNER/NAME.\n",
				k.Key, k.Why, dataDir)
		}
		return nil
	}
	var moved []string
	for _, t := range sel.Targets {
		ok, err := r.AdoptState(k.Local, k.Key, t.Project.Dir)
		if err != nil {
			return err
		}
		if ok {
			moved = append(moved, t.Project.Name)
		}
	}
	if len(moved) > 0 {
		fmt.Fprintf(m.Stderr, "plumb: moved the state of %s from the key %s to %s, the key plumb serve uses for this repository\n",
			strings.Join(moved, ", "), k.Local, k.Key)
	}
	return nil
}

// noticesFile lists the local-path keys the CLI has explained, one a line.
const noticesFile = "local-repo-keys"

// firstNotice records key in the data dir's notices and says whether it
// was new there. A notice that cannot be recorded is shown each time.
func firstNotice(dataDir, key string) bool {
	path := filepath.Join(dataDir, noticesFile)
	b, _ := os.ReadFile(path)
	if slices.Contains(strings.Split(string(b), "\n"), key) {
		return false
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return true
	}
	defer f.Close()
	fmt.Fprintln(f, key)
	return true
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
