package queue_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/queue"
)

const crashEnv = "PLUMB_QUEUE_CRASH_CHILD"

// TestCrashChild is the process TestCrashLosesNothing kills: it accepts
// events, starts two workers that hang in their handlers (a long plan),
// says READY and waits for SIGKILL.
func TestCrashChild(t *testing.T) {
	d, loc, ok := strings.Cut(os.Getenv(crashEnv), "|")
	if !ok {
		t.Skip("run by TestCrashLosesNothing")
	}
	started := make(chan struct{}, 100)
	h := &handler{fn: func(plumb.Event, int) error {
		started <- struct{}{}
		select {} // hang until killed: a run the crash interrupts
	}}
	b := open(t, d, loc, h, func(c *queue.Config) { c.MaxWorkers = 2 })
	for i := range 20 {
		accept(t, b.q, fmt.Sprintf("d%02d", i))
	}
	if err := b.q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	<-started
	<-started
	fmt.Println("READY")
	select {}
}

// TestCrashLosesNothing kills a process with SIGKILL while it holds
// accepted events, two of them mid-handling, and checks that a restart
// handles every one exactly once.
func TestCrashLosesNothing(t *testing.T) {
	t.Parallel()
	eachDB(t, testCrashLosesNothing)
}

func testCrashLosesNothing(t *testing.T, d string) {
	loc := newDB(t, d)
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.v")
	cmd.Env = append(os.Environ(), crashEnv+"="+d+"|"+loc)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// A child that never says READY is killed, which ends the scan.
	timer := time.AfterFunc(30*time.Second, func() { cmd.Process.Kill() })
	scan := bufio.NewScanner(out)
	ready := false
	for !ready && scan.Scan() {
		ready = strings.Contains(scan.Text(), "READY")
	}
	timer.Stop()
	if !ready {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatal("child never said READY")
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no cleanup runs
		t.Fatal(err)
	}
	cmd.Wait()

	h := &handler{}
	b := open(t, d, loc, h, func(c *queue.Config) { c.RecoverRunning = true })
	counts, err := b.q.JobCounts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if counts["running"] != 2 || counts["available"] != 18 {
		t.Fatalf("after the kill: jobs = %v, want 2 running and 18 available", counts)
	}
	b.start(t)
	for i := range 20 {
		waitStatus(t, b.q, fmt.Sprintf("d%02d", i), queue.StatusProcessed)
	}
	time.Sleep(100 * time.Millisecond)
	for i := range 20 {
		if n := h.count(fmt.Sprintf("d%02d", i)); n != 1 {
			t.Errorf("d%02d handled %d times after the restart, want 1", i, n)
		}
	}
}
