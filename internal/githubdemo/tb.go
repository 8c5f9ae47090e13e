package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"testing"
)

// processTB is the testing.TB githubtest is built on, for a process that is
// not a test: what would fail a test is printed and counted, Fatal exits.
// githubtest calls only the methods below; the embedded nil TB makes any
// other panic at once rather than be quietly ignored.
type processTB struct {
	testing.TB
	out io.Writer

	mu       sync.Mutex
	failures int
	cleanups []func()
}

func (p *processTB) Helper()      {}
func (p *processTB) Name() string { return "githubdemo" }

func (p *processTB) Logf(format string, args ...any) {
	fmt.Fprintf(p.out, "githubdemo: "+format+"\n", args...)
}
func (p *processTB) Log(args ...any) { p.Logf("%s", fmt.Sprint(args...)) }

func (p *processTB) Errorf(format string, args ...any) {
	p.mu.Lock()
	p.failures++
	p.mu.Unlock()
	p.Logf("ERROR: "+format, args...)
}

func (p *processTB) Error(args ...any) { p.Errorf("%s", fmt.Sprint(args...)) }

// Fatalf is called on the main goroutine only (NewServer, InitRepo).
func (p *processTB) Fatalf(format string, args ...any) {
	p.Logf("FATAL: "+format, args...)
	p.close()
	os.Exit(1)
}

func (p *processTB) Fatal(args ...any) { p.Fatalf("%s", fmt.Sprint(args...)) }

func (p *processTB) Failed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.failures > 0
}

func (p *processTB) Cleanup(f func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cleanups = append(p.cleanups, f)
}

func (p *processTB) TempDir() string {
	dir, err := os.MkdirTemp("", "githubdemo-")
	if err != nil {
		p.Fatalf("temp dir: %v", err)
	}
	p.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// close runs the cleanups, last registered first, as a test's end does.
func (p *processTB) close() {
	p.mu.Lock()
	fs := p.cleanups
	p.cleanups = nil
	p.mu.Unlock()
	for i := len(fs) - 1; i >= 0; i-- {
		fs[i]()
	}
}
