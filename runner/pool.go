package runner

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
)

// keyedMutex serialises work per key (repo + dir + workspace) inside this
// process; fileLock does the same across processes sharing a data dir.
type keyedMutex struct {
	mu    sync.Mutex
	locks map[string]*keyEntry
}

type keyEntry struct {
	ch   chan struct{}
	refs int
	// preempt, while a drift check holds the key, cancels it: a drift
	// check never makes a plan or apply wait.
	preempt func()
}

func newKeyedMutex() *keyedMutex { return &keyedMutex{locks: map[string]*keyEntry{}} }

// lock waits for key or ctx; the returned func releases it.
func (k *keyedMutex) lock(ctx context.Context, key string) (func(), error) {
	k.mu.Lock()
	e, ok := k.locks[key]
	if !ok {
		e = &keyEntry{ch: make(chan struct{}, 1)}
		k.locks[key] = e
	}
	e.refs++
	if e.preempt != nil {
		e.preempt()
		e.preempt = nil
	}
	k.mu.Unlock()
	done := func() {
		k.mu.Lock()
		e.refs--
		if e.refs == 0 {
			delete(k.locks, key)
		}
		k.mu.Unlock()
	}
	select {
	case e.ch <- struct{}{}:
		return func() { <-e.ch; done() }, nil
	case <-ctx.Done():
		done()
		return nil, ctx.Err()
	}
}

// tryLockPreemptible takes key only if it is free, for a holder that
// gives it up (preempt is called) as soon as anyone else asks for it.
func (k *keyedMutex) tryLockPreemptible(key string, preempt func()) (func(), bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	e, ok := k.locks[key]
	if !ok {
		e = &keyEntry{ch: make(chan struct{}, 1)}
		k.locks[key] = e
	}
	select {
	case e.ch <- struct{}{}:
	default:
		if !ok {
			delete(k.locks, key)
		}
		return nil, false
	}
	e.refs++
	e.preempt = preempt
	return func() {
		k.mu.Lock()
		e.preempt = nil
		k.mu.Unlock()
		<-e.ch
		k.mu.Lock()
		e.refs--
		if e.refs == 0 {
			delete(k.locks, key)
		}
		k.mu.Unlock()
	}, true
}

// tryFileLock is fileLock that gives up at once when path is locked.
func tryFileLock(path string) (func(), bool, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, false, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if err == syscall.EWOULDBLOCK {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, true, nil
}

// acquireSlot takes one of the pool's worker slots.
func (r *Runner) acquireSlot(ctx context.Context) (func(), error) { return acquire(ctx, r.pool) }

// acquire takes one place in the semaphore sem, or gives up with ctx.
func acquire(ctx context.Context, sem chan struct{}) (func(), error) {
	select {
	case sem <- struct{}{}:
		return func() { <-sem }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// fileLock takes an exclusive flock on path, creating it. The kernel drops
// it when the process dies, so a crash never leaves it held.
func fileLock(ctx context.Context, path string) (func(), error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	// Blocking flock cannot watch ctx; poll with LOCK_NB instead.
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
		}
		if err != syscall.EWOULDBLOCK {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if err := sleepCtx(ctx, pollInterval); err != nil {
			f.Close()
			return nil, err
		}
	}
}
