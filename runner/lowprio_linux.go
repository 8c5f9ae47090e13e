package runner

import (
	"runtime"
	"syscall"
)

// readBackNice is the CPU priority of engine work nothing waits on but the
// run's own result (reading a saved plan back): it then uses the cores a
// running plan leaves idle instead of slowing that plan down.
const readBackNice = 10

// lowPriority runs f on an OS thread of its own whose nice value is
// raised, so the processes f starts (the engine and its providers) inherit
// it. The thread is never unlocked, so Go discards it when f returns and no
// other goroutine ever runs at the lower priority; the Go runtime creates
// new threads from a clean template thread, never from a locked one. If
// the priority cannot be changed, f still runs, at the normal one.
func lowPriority(f func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread()
		_ = syscall.Setpriority(syscall.PRIO_PROCESS, syscall.Gettid(), readBackNice)
		f()
	}()
	<-done
}
