package jobs

import (
	"context"
	"sync"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/planner"
)

// Layouts reads each repository's projects from plumb.yaml at its default
// branch in git's local mirror (the jobs keep it fetched), once per
// commit. A repository not fetched yet, or whose plumb.yaml is invalid
// there, comes back with no projects.
func Layouts(git Git, repos func(context.Context) ([]plumb.Repository, error)) func(context.Context) ([]plumb.RepoLayout, error) {
	var mu sync.Mutex
	cache := map[string]plumb.RepoLayout{} // by repo and commit
	return func(ctx context.Context) ([]plumb.RepoLayout, error) {
		known, err := repos(ctx)
		if err != nil {
			return nil, err
		}
		out := make([]plumb.RepoLayout, 0, len(known))
		for _, r := range known {
			head, err := git.Resolve(ctx, r.FullName, "refs/heads/"+r.DefaultBranch)
			if err != nil {
				out = append(out, plumb.RepoLayout{Repo: r.FullName})
				continue
			}
			mu.Lock()
			l, ok := cache[r.FullName+"@"+head]
			mu.Unlock()
			if !ok {
				if l, err = layoutAt(ctx, git, r.FullName, head); err != nil {
					return nil, err
				}
				mu.Lock()
				cache[r.FullName+"@"+head] = l
				mu.Unlock()
			}
			out = append(out, l)
		}
		return out, nil
	}
}

func layoutAt(ctx context.Context, git Git, repo, commit string) (plumb.RepoLayout, error) {
	l := plumb.RepoLayout{Repo: repo, Commit: commit}
	tree, err := git.Tree(ctx, repo, commit)
	if err != nil {
		return l, err
	}
	idx, err := planner.NewLoader().Load(tree)
	if err != nil {
		return l, nil // plumb.yaml invalid here: the PR checks say why
	}
	l.Projects = idx.Projects
	if idx.Config != nil {
		l.Environments = idx.Config.Environments
	}
	return l, nil
}
