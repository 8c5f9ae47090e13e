package main

import (
	"syscall"
	"testing"
	"time"

	"github.com/plumbhq/plumb/internal/testenv"
)

// TestServeSecondSignalWhileExiting: a supervisor (make dashboard, or
// systemd after Ctrl-C on the console) may signal serve again while it is
// already stopping. The signals stay caught until serve is gone
// (internal/stopsignal), so it still exits 0 rather than dying by SIGTERM
// (143) in its last moments. SIGTERM goes every 200 µs until it is gone.
func TestServeSecondSignalWhileExiting(t *testing.T) {
	for round := range 5 {
		s := startServe(t, t.TempDir(), nil)
		done := make(chan error, 1)
		go func() { done <- s.cmd.Wait() }()
		guard := time.AfterFunc(40*time.Second, func() { s.cmd.Process.Kill() })
		err := testenv.SignalUntilExit(s.cmd.Process, syscall.SIGINT, syscall.SIGTERM, done)
		guard.Stop()
		s.waited = true
		if err != nil {
			t.Fatalf("round %d: serve told to stop, then sent SIGTERM while stopping: %v, want exit 0", round, err)
		}
	}
}
