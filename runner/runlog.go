package runner

import (
	"bytes"
	"context"
	"io"
	"sync"
	"time"

	"github.com/plumbhq/plumb"
)

// runLog collects an engine's output for a run and stores it under the
// run: about every second while the run goes (live, so a run page follows
// it), and the rest when it ends. Each line is redacted with what is known
// when it is stored: plumb's credentials, the secret env and sensitive
// variables' values from the start, a plan document's sensitive values
// once it is read; the engine itself masks sensitive values in what it
// prints.
type runLog struct {
	mu      sync.Mutex
	partial []byte
	lines   []string
	tee     io.Writer // optional live copy, redacted with what is known so far
	red     *plumb.Redactor
	stop    func() // ends the live flushes (live)
}

// liveEvery is how often a running run's new log lines are stored.
const liveEvery = time.Second

// live stores the run's new lines every liveEvery until the run ends
// (end). A failed store is left to the final flush, which reports it.
func (l *runLog) live(store plumb.Store, runID string) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(liveEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				// Not ctx: a store call cut short by the run's end would
				// lose nothing (flush keeps what it could not store), but
				// would have to wait for the final flush.
				fctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				_ = l.flush(fctx, store, runID, false)
				cancel()
			}
		}
	}()
	l.stop = func() { cancel(); <-done }
}

// end stops the live flushes and stores what is left.
func (l *runLog) end(ctx context.Context, store plumb.Store, runID string) error {
	if l.stop != nil {
		l.stop()
		l.stop = nil
	}
	return l.flush(ctx, store, runID, true)
}

func newRunLog(red *plumb.Redactor, tee io.Writer) *runLog {
	return &runLog{red: red, tee: tee}
}

func (l *runLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial = append(l.partial, p...)
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		line := string(l.partial[:i])
		l.partial = l.partial[i+1:]
		l.lines = append(l.lines, line)
		if l.tee != nil {
			io.WriteString(l.tee, l.red.String(line)+"\n")
		}
	}
	return len(p), nil
}

// Printf-style notes from plumb itself go through Write too.
func (l *runLog) note(s string) { l.Write([]byte("plumb: " + s + "\n")) }

// flush stores the lines since the last flush, redacted, under the run;
// the final one also stores a last line without its newline.
func (l *runLog) flush(ctx context.Context, store plumb.Store, runID string, final bool) error {
	l.mu.Lock()
	lines := l.lines
	if final && len(l.partial) > 0 {
		lines = append(lines, string(l.partial))
		l.partial = nil
	}
	l.lines = nil
	l.mu.Unlock()
	if len(lines) == 0 {
		return nil
	}
	for i, line := range lines {
		lines[i] = l.red.String(line)
	}
	if err := store.AppendRunLog(ctx, runID, lines...); err != nil {
		// Kept for the next flush, in order: nothing is lost to a failed store.
		l.mu.Lock()
		l.lines = append(lines, l.lines...)
		l.mu.Unlock()
		return err
	}
	return nil
}
