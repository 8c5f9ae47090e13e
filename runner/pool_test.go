package runner

import (
	"context"
	"testing"
	"time"
)

// A drift check holds a project's key only while nobody else wants it: a
// plan or apply asking for the key preempts it, and gets the key once the
// check lets go. A busy key is never taken by a check.
func TestKeyedMutexPreemptible(t *testing.T) {
	k := newKeyedMutex()
	preempted := make(chan struct{})
	release, ok := k.tryLockPreemptible("p", func() { close(preempted) })
	if !ok {
		t.Fatal("a free key was not taken")
	}
	if _, ok := k.tryLockPreemptible("p", func() {}); ok {
		t.Fatal("a held key was taken by a second check")
	}
	got := make(chan func(), 1)
	go func() {
		unlock, err := k.lock(context.Background(), "p")
		if err != nil {
			t.Error(err)
		}
		got <- unlock
	}()
	select {
	case <-preempted:
	case <-time.After(5 * time.Second):
		t.Fatal("a plan asking for the key did not preempt the check")
	}
	select {
	case <-got:
		t.Fatal("the plan took the key while the check still held it")
	case <-time.After(50 * time.Millisecond):
	}
	release()
	select {
	case unlock := <-got:
		if _, ok := k.tryLockPreemptible("p", func() {}); ok {
			t.Error("a check took the key the plan holds")
		}
		unlock()
	case <-time.After(5 * time.Second):
		t.Fatal("the plan never got the key after the check let go")
	}
	if _, ok := k.tryLockPreemptible("p", func() {}); !ok {
		t.Error("the key is not free after the plan released it")
	}
	if len(k.locks) != 1 {
		t.Errorf("%d keys tracked, want only the last check's", len(k.locks))
	}
}
