package stopsignal

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// Context ends at the first SIGINT or SIGTERM. The signals stay caught for
// the life of the process, unlike signal.NotifyContext's stop (or
// signal.Ignore), which hand them back to the runtime: a second signal
// while the process exits (make dashboard's SIGTERM after the group's
// Ctrl-C, a supervisor's) then met the default action, or a window of the
// runtime's in which it kills, and a clean exit 0 became death by SIGTERM.
// Later signals are dropped: the process is already stopping.
func Context() context.Context {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-sigs; cancel() }()
	return ctx
}
