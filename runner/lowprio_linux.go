package runner

import (
	"runtime"
	"sync"
	"syscall"
)

// readBackNice is the CPU priority of engine work that nothing waits on
// but the run itself (reading a saved plan back): it then uses the cores a
// running plan leaves idle instead of slowing it.
const readBackNice = 10

// background is a pool of OS threads that run at readBackNice, each locked
// to one goroutine for the life of the process. The processes they start
// (the engine and its providers) inherit the priority.
//
// The threads must never exit: terraform-exec starts the engine with
// Pdeathsig, which the kernel fires when the thread that started a process
// ends. A thread Go discards after a locked goroutine exits may earlier
// have started another run's engine, still running, which would be killed.
var background struct {
	once  sync.Once
	tasks chan func()
}

// backgroundThreads bounds low-priority work in flight; beyond it, work
// waits. Each Runner keeps at most two such tasks per worker.
func backgroundThreads() int { return max(8, 2*runtime.NumCPU()) }

// lowPriority runs f on one of the background threads and waits for it.
// If the priority cannot be lowered, f still runs, at the normal one.
func lowPriority(f func()) {
	background.once.Do(func() {
		background.tasks = make(chan func())
		for range backgroundThreads() {
			go func() {
				runtime.LockOSThread() // never unlocked: see background
				_ = syscall.Setpriority(syscall.PRIO_PROCESS, syscall.Gettid(), readBackNice)
				for task := range background.tasks {
					task()
				}
			}()
		}
	})
	done := make(chan struct{})
	background.tasks <- func() {
		defer close(done)
		f()
	}
	<-done
}
