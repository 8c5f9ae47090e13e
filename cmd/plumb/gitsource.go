package main

import (
	"context"
	"io/fs"

	"github.com/plumbhq/plumb/jobs"
	"github.com/plumbhq/plumb/planner"
	"github.com/plumbhq/plumb/vcs"
)

// gitSource gives the pull request job commits from vcs mirrors.
type gitSource struct{ m *vcs.Mirrors }

var _ jobs.Git = gitSource{}

func (g gitSource) Sync(ctx context.Context, repo, cloneURL string) error {
	return g.m.Sync(ctx, repo, cloneURL)
}

func (g gitSource) Tree(_ context.Context, repo, sha string) (fs.FS, error) {
	r, done, err := g.m.Open(repo)
	if err != nil {
		return nil, err
	}
	defer done()
	t, _, err := r.Tree(sha)
	return t, err
}

func (g gitSource) Changed(ctx context.Context, repo, base, head string) ([]planner.FileChange, error) {
	r, done, err := g.m.Open(repo)
	if err != nil {
		return nil, err
	}
	defer done()
	changes, err := r.Changed(ctx, base, head)
	out := make([]planner.FileChange, len(changes))
	for i, c := range changes {
		out[i] = planner.FileChange(c)
	}
	return out, err
}

func (g gitSource) MergeBase(_ context.Context, repo, a, b string) (string, error) {
	r, done, err := g.m.Open(repo)
	if err != nil {
		return "", err
	}
	defer done()
	return r.MergeBase(a, b)
}

func (g gitSource) Resolve(_ context.Context, repo, ref string) (string, error) {
	r, done, err := g.m.Open(repo)
	if err != nil {
		return "", err
	}
	defer done()
	return r.Resolve(ref)
}
