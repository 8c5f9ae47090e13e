package vcs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sync"

	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	"github.com/go-git/go-git/v5/storage/filesystem"

	"github.com/plumbhq/plumb"
)

// Mirrors keeps one bare clone per forge repository under Dir, fetched
// on demand: branches and pull request heads. One object store per repo;
// a fetch and the reads of one repo never overlap.
type Mirrors struct {
	Dir string
	// Credentials, if set, authenticate fetches over HTTPS: asked before
	// every fetch, so short-lived GitHub App tokens stay fresh (see
	// GitHub.GitCredentials). They travel as basic auth in a header, never in
	// the URL.
	Credentials func(ctx context.Context) (user, password string, err error)

	mu    sync.Mutex
	repos map[string]*mirror
}

type mirror struct {
	mu   sync.RWMutex
	repo *Repo
}

var safeRepo = regexp.MustCompile(`^[A-Za-z0-9._-]+/[A-Za-z0-9._-]+$`)

func (m *Mirrors) get(repo string) (*mirror, error) {
	if !safeRepo.MatchString(repo) {
		return nil, plumb.Errorf(plumb.EINVALID, "repository name %q is not owner/name", repo)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.repos == nil {
		m.repos = map[string]*mirror{}
	}
	mr, ok := m.repos[repo]
	if !ok {
		mr = &mirror{}
		m.repos[repo] = mr
	}
	return mr, nil
}

var fetchSpecs = []config.RefSpec{"+refs/heads/*:refs/heads/*", "+refs/pull/*/head:refs/pull/*/head"}

// Sync clones repo from url the first time and fetches it afterwards.
func (m *Mirrors) Sync(ctx context.Context, repo, url string) error {
	mr, err := m.get(repo)
	if err != nil {
		return err
	}
	mr.mu.Lock()
	defer mr.mu.Unlock()
	dir := filepath.Join(m.Dir, filepath.FromSlash(repo)+".git")
	var auth transport.AuthMethod
	secret := ""
	if m.Credentials != nil {
		user, pass, err := m.Credentials(ctx)
		if err != nil {
			return fmt.Errorf("fetch %s: credentials: %w", repo, err)
		}
		auth, secret = &githttp.BasicAuth{Username: user, Password: pass}, pass
	}
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		r, err := git.PlainInit(dir, true)
		if err != nil {
			return fmt.Errorf("mirror %s: %w", repo, err)
		}
		if _, err := r.CreateRemote(&config.RemoteConfig{Name: "origin", URLs: []string{url}, Fetch: fetchSpecs}); err != nil {
			return fmt.Errorf("mirror %s: %w", repo, err)
		}
	}
	r, err := git.PlainOpen(dir)
	if err != nil {
		return fmt.Errorf("mirror %s: %w", repo, err)
	}
	err = r.FetchContext(ctx, &git.FetchOptions{RemoteName: "origin", RemoteURL: url, RefSpecs: fetchSpecs, Auth: auth, Force: true, Prune: true})
	if err != nil && !errors.Is(err, git.NoErrAlreadyUpToDate) {
		return fmt.Errorf("fetch %s: %w", repo, redactURL(err, secret))
	}
	// Reopen so the new packs are seen by readers. The old one is not
	// closed: a tree read from it may still be in use (a job planning);
	// its pack files close when nothing refers to them any more.
	mr.repo, err = openBare(dir)
	return err
}

// openBare opens a bare mirror with its packfiles kept open (see OpenRepo).
func openBare(dir string) (*Repo, error) {
	fsys := osfs.New(dir)
	st := filesystem.NewStorageWithOptions(fsys, cache.NewObjectLRU(64*cache.MiByte), filesystem.Options{KeepDescriptors: true})
	r, err := git.Open(st, nil)
	if err != nil {
		return nil, fmt.Errorf("open mirror %s: %w", dir, err)
	}
	return &Repo{Root: dir, repo: r, closer: st, mu: &sync.Mutex{}}, nil
}

// Open returns the mirror of repo; Sync it first.
func (m *Mirrors) Open(repo string) (*Repo, func(), error) {
	mr, err := m.get(repo)
	if err != nil {
		return nil, nil, err
	}
	mr.mu.RLock()
	if mr.repo == nil {
		mr.mu.RUnlock()
		return nil, nil, plumb.Errorf(plumb.ENOTFOUND, "repository %s has not been fetched", repo)
	}
	return mr.repo, mr.mu.RUnlock, nil
}

// MergeBase returns the best common ancestor of two commits.
func (r *Repo) MergeBase(a, b string) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ca, err := r.repo.CommitObject(plumbing.NewHash(a))
	if err != nil {
		return "", plumb.Errorf(plumb.ENOTFOUND, "commit %s: %w", a, err)
	}
	cb, err := r.repo.CommitObject(plumbing.NewHash(b))
	if err != nil {
		return "", plumb.Errorf(plumb.ENOTFOUND, "commit %s: %w", b, err)
	}
	bases, err := ca.MergeBase(cb)
	if err != nil {
		return "", err
	}
	if len(bases) == 0 {
		return "", plumb.Errorf(plumb.EINVALID, "commits %.12s and %.12s share no history", a, b)
	}
	return bases[0].Hash.String(), nil
}

// redactURL keeps a token out of an error that quotes a URL.
func redactURL(err error, token string) error {
	if token == "" {
		return err
	}
	return errors.New(plumb.NewRedactor(token).String(err.Error()))
}
