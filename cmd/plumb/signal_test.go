package main

import (
	"syscall"
	"testing"
	"time"
)

// TestServeSecondSignalWhileExiting: a supervisor (make dashboard, or
// systemd after Ctrl-C on the console) may signal serve again while it is
// already stopping. Each signal is ignored once serve was told to stop, so
// it still exits 0 rather than dying by SIGTERM's default action (143) in
// its last moments. SIGTERM goes every 200 µs until serve is gone.
func TestServeSecondSignalWhileExiting(t *testing.T) {
	for round := range 3 {
		s := startServe(t, t.TempDir(), nil)
		s.cmd.Process.Signal(syscall.SIGINT)
		done := make(chan error, 1)
		go func() { done <- s.cmd.Wait() }()
		guard := time.AfterFunc(40*time.Second, func() { s.cmd.Process.Kill() })
		var err error
	wait:
		for {
			select {
			case err = <-done:
				break wait
			case <-time.After(200 * time.Microsecond):
				s.cmd.Process.Signal(syscall.SIGTERM)
			}
		}
		guard.Stop()
		s.waited = true
		if err != nil {
			t.Fatalf("round %d: serve told to stop, then sent SIGTERM while stopping: %v, want exit 0", round, err)
		}
	}
}
