package stopsignal

import (
	"syscall"
	"testing"
	"time"
)

// The first signal ends the context; later ones are still caught, so this
// test process survives them (it would die by SIGTERM otherwise).
func TestContext(t *testing.T) {
	ctx := Context()
	if ctx.Err() != nil {
		t.Fatal("the context ended before any signal")
	}
	syscall.Kill(syscall.Getpid(), syscall.SIGINT)
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("SIGINT did not end the context")
	}
	for range 50 {
		syscall.Kill(syscall.Getpid(), syscall.SIGTERM)
		time.Sleep(time.Millisecond)
	}
}
