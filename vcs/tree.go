package vcs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"sync"

	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/filesystem"

	"github.com/plumbhq/plumb"
)

// Repo is a git repository opened for reading commits.
type Repo struct {
	// Root is the top level of the working tree (or the git dir of a bare
	// repository).
	Root   string
	repo   *git.Repository
	closer io.Closer
	// mu serialises every read of the object storage: the methods below
	// and the trees they return (see Tree).
	mu *sync.Mutex
}

// OpenRepo opens the git repository holding dir, searching parent
// directories like git does. It returns EINVALID when there is none.
func OpenRepo(dir string) (*Repo, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("open repo %s: %w", dir, err)
	}
	r, err := git.PlainOpenWithOptions(abs, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if err != nil {
		if errors.Is(err, git.ErrRepositoryNotExists) {
			return nil, plumb.Errorf(plumb.EINVALID, "no git repository at or above %s: run plumb inside a repository or pass --repo DIR", abs)
		}
		return nil, plumb.Errorf(plumb.EINVALID, "open git repository at %s: %w", abs, err)
	}
	root := abs
	var wtfs billy.Filesystem
	if wt, err := r.Worktree(); err == nil {
		root, wtfs = wt.Filesystem.Root(), wt.Filesystem
	}
	// Reopen with packfile descriptors kept open: by default go-git opens
	// the pack again for every object, which dominates reading a tree.
	if st, ok := r.Storer.(*filesystem.Storage); ok {
		kept := filesystem.NewStorageWithOptions(st.Filesystem(), cache.NewObjectLRU(64*cache.MiByte),
			filesystem.Options{KeepDescriptors: true, AlternatesFS: st.Filesystem()})
		if r2, err := git.Open(kept, wtfs); err == nil {
			return &Repo{Root: root, repo: r2, closer: kept, mu: &sync.Mutex{}}, nil
		}
	}
	return &Repo{Root: root, repo: r, mu: &sync.Mutex{}}, nil
}

// Close releases the packfiles the repository keeps open.
func (r *Repo) Close() error {
	if r.closer == nil {
		return nil
	}
	return r.closer.Close()
}

// Resolve returns the commit sha a revision names: a branch, tag, full or
// short sha, HEAD~1, anything git's rev-parse subset in go-git accepts.
// An unknown revision is ENOTFOUND.
func (r *Repo) Resolve(ref string) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, err := r.commit(ref)
	if err != nil {
		return "", err
	}
	return c.Hash.String(), nil
}

func (r *Repo) commit(ref string) (*object.Commit, error) {
	h, err := r.repo.ResolveRevision(plumbing.Revision(ref))
	if err != nil {
		return nil, plumb.Errorf(plumb.ENOTFOUND, "revision %q not found in %s: check the branch, tag or sha (is it fetched?)", ref, r.Root)
	}
	c, err := r.repo.CommitObject(*h)
	if err != nil {
		return nil, plumb.Errorf(plumb.ENOTFOUND, "revision %q: read commit %s: %w", ref, h, err)
	}
	return c, nil
}

// Tree returns the file tree of the commit ref names, read from git
// objects, and the commit's sha. The tree also implements
// planner.TreeHasher (DirHash) and fs.ReadLinkFS.
func (r *Repo) Tree(ref string) (*Tree, string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, err := r.commit(ref)
	if err != nil {
		return nil, "", err
	}
	return newTree(r.repo.Storer, c.TreeHash, r.mu), c.Hash.String(), nil
}

// FileChange is one changed path: From is "" for an added file, To is ""
// for a deleted one; a rename has both. Its fields match
// planner.FileChange so callers can convert it directly.
type FileChange struct {
	From, To string
}

// Changed lists the files that differ between the commits base and head
// name, with renames detected (git's default similarity, 50%), sorted by
// path.
func (r *Repo) Changed(ctx context.Context, base, head string) ([]FileChange, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	bc, err := r.commit(base)
	if err != nil {
		return nil, err
	}
	hc, err := r.commit(head)
	if err != nil {
		return nil, err
	}
	bt, err := bc.Tree()
	if err != nil {
		return nil, fmt.Errorf("read tree of %s: %w", base, err)
	}
	ht, err := hc.Tree()
	if err != nil {
		return nil, fmt.Errorf("read tree of %s: %w", head, err)
	}
	opts := *object.DefaultDiffTreeOptions
	opts.RenameScore = 50
	changes, err := object.DiffTreeWithOptions(ctx, bt, ht, &opts)
	if err != nil {
		return nil, fmt.Errorf("diff %s..%s: %w", base, head, err)
	}
	out := make([]FileChange, 0, len(changes))
	for _, c := range changes {
		out = append(out, FileChange{From: c.From.Name, To: c.To.Name})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key() < out[j].key() })
	return out, nil
}

func (c FileChange) key() string {
	if c.To != "" {
		return c.To
	}
	return c.From
}
