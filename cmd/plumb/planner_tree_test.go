package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/plumbhq/plumb/planner"
	"github.com/plumbhq/plumb/vcs"
)

// The planner on the trees vcs reads from git objects, as plumb affected,
// plan and serve load them: symlinks read through the objects, and the
// tree hashes the Loader caches by. planner/ tests the same fixtures on
// trees git writes out to disk.

// vcsTree is the tree of the commit ref names, read by vcs from git objects.
func vcsTree(t *testing.T, repo *vcs.Repo, ref string) *vcs.Tree {
	t.Helper()
	tree, _, err := repo.Tree(ref)
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

func openTestRepo(t *testing.T, dir string) *vcs.Repo {
	t.Helper()
	repo, err := vcs.OpenRepo(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { repo.Close() })
	return repo
}

// indexSummary is what an index says, as text: projects with their engine
// and modules, decisions, problems.
func indexSummary(idx *planner.Index) []string {
	var out []string
	for _, p := range idx.Projects {
		out = append(out, "project "+p.Name+" "+string(p.Engine)+" "+strings.Join(p.Modules, ","))
	}
	for _, d := range idx.Decisions {
		out = append(out, "decision "+d.Dir+": "+d.Reason)
	}
	for _, p := range idx.Problems {
		out = append(out, "problem "+p.Error())
	}
	return out
}

// A commit's tree read from git objects indexes as its checkout does,
// through the fixture's symlinked module too.
func TestPlannerCommitTreeIndexesAsTheCheckout(t *testing.T) {
	for _, fixture := range []string{"mono", "messy"} {
		t.Run(fixture, func(t *testing.T) {
			dir, _ := plannerRepo(t, fixture)
			fromGit, _ := planner.Load(vcsTree(t, openTestRepo(t, dir), "HEAD"))
			fromDisk, _ := planner.Load(os.DirFS(dir))
			if d := cmp.Diff(indexSummary(fromDisk), indexSummary(fromGit)); d != "" {
				t.Errorf("index of the commit's tree (-checkout +git objects):\n%s", d)
			}
			for _, p := range fromGit.Projects {
				if p.Name == "network-prod" && len(p.Modules) != 2 {
					t.Errorf("network-prod modules = %v: the symlinked module was not followed in git objects", p.Modules)
				}
			}
		})
	}
}

func TestPlannerLoaderReusesUnchangedDirs(t *testing.T) {
	dir, _ := plannerRepo(t, "mono")
	if err := os.WriteFile(filepath.Join(dir, "modules/vpc/main.tf"), []byte("variable \"cidr\" {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	commitIn(t, dir)
	repo := openTestRepo(t, dir)
	l := planner.NewLoader()
	for _, ref := range []string{"HEAD~1", "HEAD"} {
		idx, err := l.Load(vcsTree(t, repo, ref))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range idx.Projects {
			if p.Name == "network-dev" && ref == "HEAD" && len(p.Modules) != 1 {
				t.Errorf("at HEAD network-dev modules = %v, want only modules/vpc: a stale scan was reused", p.Modules)
			}
		}
	}
}

// vcs's changes, renames included, are the planner's: a rename counts at
// both paths.
func TestPlannerAffectedOnCommitTrees(t *testing.T) {
	dir, _ := plannerRepo(t, "mono")
	gitIn(t, dir, "mv", "modules/deployable/main.tf", "tofuy/deploy.tf")
	commitIn(t, dir)
	repo := openTestRepo(t, dir)
	changes, err := repo.Changed(context.Background(), "HEAD~1", "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	fc := make([]planner.FileChange, len(changes))
	for i, c := range changes {
		fc[i] = planner.FileChange(c)
	}
	l := planner.NewLoader()
	base, _ := l.Load(vcsTree(t, repo, "HEAD~1"))
	head, err := l.Load(vcsTree(t, repo, "HEAD"))
	if err != nil {
		t.Fatal(err)
	}
	ch, err := planner.Affected(base, head, fc)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range ch.Projects {
		got = append(got, a.Project.Name+": "+strings.Join(a.Reasons, "; "))
	}
	for _, p := range ch.Removed {
		got = append(got, "removed "+p.Name)
	}
	want := []string{"tofuy: renamed modules/deployable/main.tf to tofuy/deploy.tf", "removed modules/deployable"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("affected (-want +got):\n%s", d)
	}
}
