package runner

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// worktrees materialises commits on disk, one directory per commit, under
// root. A worktree is written once (by one writer, under a per-commit lock)
// and then reused by every run at that commit; runs never write into the
// user's own checkout.
type worktrees struct {
	root string
	mu   sync.Mutex
	busy map[string]*sync.Mutex
}

// completeMarker is written last, so a worktree interrupted half-way (crash,
// kill -9) is recognised and written again.
const completeMarker = ".plumb-complete"

func newWorktrees(root string) *worktrees {
	return &worktrees{root: root, busy: map[string]*sync.Mutex{}}
}

func (w *worktrees) commitLock(commit string) *sync.Mutex {
	w.mu.Lock()
	defer w.mu.Unlock()
	m, ok := w.busy[commit]
	if !ok {
		m = &sync.Mutex{}
		w.busy[commit] = m
	}
	return m
}

// get returns the directory holding commit's tree, writing it from tree
// the first time.
func (w *worktrees) get(ctx context.Context, commit string, tree fs.FS) (string, error) {
	if commit == "" || tree == nil {
		return "", fmt.Errorf("worktree: no commit or tree given")
	}
	dir := filepath.Join(w.root, commit)
	m := w.commitLock(commit)
	m.Lock()
	defer m.Unlock()
	if _, err := os.Stat(filepath.Join(dir, completeMarker)); err == nil {
		return dir, nil
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	// A partial tree from an interrupted write is discarded whole.
	tmp := dir + ".partial"
	if err := os.RemoveAll(tmp); err != nil {
		return "", fmt.Errorf("worktree %s: %w", commit, err)
	}
	if err := os.MkdirAll(filepath.Dir(tmp), 0o700); err != nil {
		return "", fmt.Errorf("worktree %s: %w", commit, err)
	}
	if err := os.CopyFS(tmp, tree); err != nil {
		return "", fmt.Errorf("worktree %s: write tree: %w", commit, err)
	}
	if err := os.WriteFile(filepath.Join(tmp, completeMarker), nil, 0o600); err != nil {
		return "", fmt.Errorf("worktree %s: %w", commit, err)
	}
	if err := os.RemoveAll(dir); err != nil {
		return "", fmt.Errorf("worktree %s: %w", commit, err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return "", fmt.Errorf("worktree %s: %w", commit, err)
	}
	return dir, nil
}
