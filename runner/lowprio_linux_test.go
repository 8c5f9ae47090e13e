package runner

import (
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// niceOfChild starts a process and returns the nice value it runs at.
func niceOfChild(t *testing.T) int {
	t.Helper()
	// Field 19 of /proc/PID/stat is the nice value; the command name in
	// field 2 ("cat") has no spaces.
	out, err := exec.Command("cat", "/proc/self/stat").Output()
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(strings.Fields(string(out))[18])
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestLowPriorityOnlyAffectsWhatItStarts(t *testing.T) {
	before := niceOfChild(t)
	if before >= readBackNice {
		t.Skipf("the test already runs at nice %d", before)
	}
	var inside int
	lowPriority(func() { inside = niceOfChild(t) })
	if inside != readBackNice {
		t.Errorf("a process started in lowPriority runs at nice %d, want %d", inside, readBackNice)
	}
	for range 20 {
		if after := niceOfChild(t); after != before {
			t.Fatalf("a process started after lowPriority runs at nice %d, want %d", after, before)
		}
	}
}

// terraform-exec starts the engine with Pdeathsig: the process is killed
// when the OS thread that started it ends. Low-priority work must never
// end a thread, or an engine another run started on it dies mid-plan.
func TestLowPriorityNeverKillsAnotherRunsEngine(t *testing.T) {
	for range 10 {
		cmd := exec.Command("sleep", "0.1")
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Likely on the very thread that just started sleep.
		lowPriority(func() {})
		if err := cmd.Wait(); err != nil {
			t.Fatalf("a process started before lowPriority ended with %v", err)
		}
	}
}
