package testenv

import (
	"os"
	"time"
)

// SignalUntilExit sends p first, then again every 200 µs until done (the
// result of p's Wait) answers, and returns that result. It is a
// supervisor that signals a process again while it is already exiting
// (make dashboard's SIGTERM after the group's Ctrl-C), so some signals
// land in its last moments.
func SignalUntilExit(p *os.Process, first, again os.Signal, done <-chan error) error {
	p.Signal(first)
	tick := time.NewTicker(200 * time.Microsecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			return err
		case <-tick.C:
			p.Signal(again)
		}
	}
}
