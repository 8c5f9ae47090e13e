package runner

import (
	"bytes"
	"context"
	"io"
	"sync"

	"github.com/plumbhq/plumb"
)

// runLog collects an engine's output for a run. Lines are held until
// flush so they are redacted with everything the run learned (the plan's
// sensitive values are only known once the plan is read) before they are
// stored or shown.
type runLog struct {
	mu      sync.Mutex
	partial []byte
	lines   []string
	tee     io.Writer // optional live copy, redacted with what is known so far
	red     *plumb.Redactor
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

// flush stores the redacted lines under the run.
func (l *runLog) flush(ctx context.Context, store plumb.Store, runID string) error {
	l.mu.Lock()
	lines := l.lines
	if len(l.partial) > 0 {
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
	return store.AppendRunLog(ctx, runID, lines...)
}
