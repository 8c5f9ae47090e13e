package runner

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// worktrees materialises commits on disk, one directory per commit, under
// root. A worktree is written once (by one writer, under a per-commit lock)
// and then reused by every run at that commit; runs never write into the
// user's own checkout. Worktrees no run is using are pruned, newest kept.
type worktrees struct {
	root  string
	keep  int
	mu    sync.Mutex
	busy  map[string]*sync.Mutex
	inUse map[string]int
}

// completeMarker is written last, so a worktree interrupted half-way (crash,
// kill -9) is recognised and written again.
const completeMarker = ".plumb-complete"

func newWorktrees(root string) *worktrees {
	return &worktrees{root: root, keep: 16, busy: map[string]*sync.Mutex{}, inUse: map[string]int{}}
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
// the first time, and a release func to call when the run is done with it.
func (w *worktrees) get(ctx context.Context, commit string, tree fs.FS) (string, func(), error) {
	if commit == "" || tree == nil || strings.ContainsAny(commit, `/\.`) {
		return "", nil, fmt.Errorf("worktree: no usable commit or tree given")
	}
	w.mu.Lock()
	w.inUse[commit]++
	w.mu.Unlock()
	release := func() {
		w.mu.Lock()
		w.inUse[commit]--
		if w.inUse[commit] == 0 {
			delete(w.inUse, commit)
		}
		w.mu.Unlock()
	}
	dir, err := w.write(ctx, commit, tree)
	if err != nil {
		release()
		return "", nil, err
	}
	return dir, release, nil
}

func (w *worktrees) write(ctx context.Context, commit string, tree fs.FS) (string, error) {
	dir := filepath.Join(w.root, commit)
	m := w.commitLock(commit)
	m.Lock()
	defer m.Unlock()
	if _, err := os.Stat(filepath.Join(dir, completeMarker)); err == nil {
		now := time.Now()
		_ = os.Chtimes(dir, now, now) // recently used: pruned last
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
	w.prune()
	return dir, nil
}

// prune removes the oldest worktrees beyond keep that no run is using.
// Worktrees hold only repository files (no state, no secrets), so they are
// cheap to write again.
func (w *worktrees) prune() {
	entries, err := os.ReadDir(w.root)
	if err != nil {
		return
	}
	type wt struct {
		name string
		mod  time.Time
	}
	var all []wt
	for _, e := range entries {
		if info, err := e.Info(); err == nil && e.IsDir() && !strings.HasSuffix(e.Name(), ".partial") {
			all = append(all, wt{e.Name(), info.ModTime()})
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].mod.After(all[j].mod) })
	for _, t := range all[min(len(all), w.keep):] {
		w.mu.Lock()
		busy := w.inUse[t.name] > 0
		w.mu.Unlock()
		if busy {
			continue
		}
		m := w.commitLock(t.name)
		if m.TryLock() {
			os.RemoveAll(filepath.Join(w.root, t.name))
			m.Unlock()
		}
	}
}
