package runner

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
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
	// stored is what the store took so far, redacted, for the archive
	// (whole): about what the engine printed, which a plan holds once
	// already as its text.
	stored []string
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
	l.mu.Lock()
	l.stored = append(l.stored, lines...)
	l.mu.Unlock()
	return nil
}

// whole is the run's log as stored, then what the store refused, each
// line redacted again with all that is known by now.
func (l *runLog) whole() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	var b bytes.Buffer
	for _, lines := range [][]string{l.stored, l.lines} {
		for _, line := range lines {
			b.WriteString(l.red.String(line) + "\n")
		}
	}
	if len(l.partial) > 0 {
		b.WriteString(l.red.String(string(l.partial)))
	}
	return b.Bytes()
}

// archiveTimeout bounds copying a finished run's files to the artifact
// store.
const archiveTimeout = 30 * time.Second

// endLog stops the live flushes and stores what is left of the log, then
// archives the run's files (runfiles.Files.Archive): the whole log and the
// redacted plan, in the data dir and the shared artifact store. The store
// keeps the log rows: the dashboard reads a run's log there, live or not,
// with or without an artifact store, and a failed upload loses nothing.
// A failed archive does not change the run, whose record, log rows and
// local files stand; it is said in the run's log and logged. It returns
// only what the store refused.
func (a *active) endLog(ctx context.Context) error {
	r, run := a.r, a.run
	err := a.log.end(ctx, r.store, run.ID)
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), archiveTimeout)
	defer cancel()
	if aerr := r.files().Archive(actx, run.ID, a.log.whole()); aerr != nil {
		msg := strings.ReplaceAll(r.redactor.String(aerr.Error()), "\n", "; ")
		r.logger.Error("archive run", "run", run.ID, "project", run.Project, "err", msg)
		a.log.note("archiving this run's files failed (" + msg + "); the run stands, its log stays in plumb's database and its files in this replica's data dir")
		err = errors.Join(err, a.log.flush(ctx, r.store, run.ID, true))
	}
	return err
}
