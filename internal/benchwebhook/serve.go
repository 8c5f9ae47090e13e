package main

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// serveProc is one `plumb serve` under load, with a data dir of its own.
type serveProc struct {
	base string // http://127.0.0.1:PORT
	dir  string
	cmd  *exec.Cmd
	done chan error
	once sync.Once
}

// startServe starts bin's serve on a free port: on the SQLite file in its
// data dir, or on dbURL when given; with --workers when above 0.
//
// It gets a GitHub token so that deliveries reach the real job dispatcher;
// GitHub's URL points at a closed local port, so nothing ever leaves the
// machine (the deliveries are draft pull requests, which the pull request
// job declines before calling GitHub).
func startServe(bin, secret, dbURL string, workers int) (*serveProc, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "plumb-bench-serve-")
	if err != nil {
		return nil, err
	}
	args := []string{"serve", "--listen", fmt.Sprintf("127.0.0.1:%d", port), "--data-dir", dir,
		"--webhook-secret", secret, "--github-token", "bench-token-never-sent", "--github-url", deadURL, "--log-level", "warn"}
	if workers > 0 {
		args = append(args, "--workers", strconv.Itoa(workers))
	}
	if dbURL != "" {
		args = append(args, "--database-url", dbURL)
	}
	logf, err := os.Create(filepath.Join(dir, "serve.log"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s := &serveProc{base: fmt.Sprintf("http://127.0.0.1:%d", port), dir: dir, cmd: cmd, done: make(chan error, 1)}
	go func() { s.done <- cmd.Wait() }()
	if err := s.waitHealthy(30 * time.Second); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// deadURL is where GitHub and clones are sent: port 9 (discard) is closed
// here, so a stray call fails at once instead of reaching the internet.
const deadURL = "http://127.0.0.1:9"

func (s *serveProc) waitHealthy(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		resp, err := http.Get(s.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case err := <-s.done:
			s.done <- err
			return fmt.Errorf("plumb serve exited at start (%v):\n%s", err, s.logTail())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("plumb serve not healthy after %s (last error: %v):\n%s", limit, err, s.logTail())
		}
	}
}

// stop drains the server (SIGTERM) and removes its data dir; once.
func (s *serveProc) stop() {
	s.once.Do(func() {
		s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(60 * time.Second):
			s.cmd.Process.Kill()
			<-s.done
		}
		os.RemoveAll(s.dir)
	})
}

func (s *serveProc) logTail() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "serve.log"))
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-10):], "\n")
}

// jobCounts reads the plumb_queue_jobs gauge (River's jobs by state) from
// /metrics: what an operator sees, the same query on either database.
func (s *serveProc) jobCounts() (map[string]int, error) {
	resp, err := http.Get(s.base + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /metrics: status %d", resp.StatusCode)
	}
	counts := map[string]int{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), `plumb_queue_jobs{state="`)
		if !ok {
			continue
		}
		state, value, ok := strings.Cut(rest, `"} `)
		if !ok {
			continue
		}
		n, err := strconv.ParseFloat(value, 64)
		if err != nil {
			return nil, fmt.Errorf("/metrics: %q: %w", sc.Text(), err)
		}
		counts[state] = int(n)
	}
	return counts, sc.Err()
}

// pollEvery bounds the error on a job phase's end (under 1% of the
// phases here) while keeping /metrics' queries a small load.
const pollEvery = 50 * time.Millisecond

// waitCompleted waits until want jobs are completed and returns when it
// saw them. A job cancelled or discarded means the deliveries did not
// take the path measured: an error, not a figure.
func (s *serveProc) waitCompleted(want int, limit time.Duration) (time.Time, error) {
	deadline := time.Now().Add(limit)
	for {
		counts, err := s.jobCounts()
		now := time.Now()
		if err != nil {
			return now, err
		}
		if bad := counts["cancelled"] + counts["discarded"]; bad > 0 {
			return now, fmt.Errorf("%d jobs cancelled or discarded (counts %v):\n%s", bad, counts, s.logTail())
		}
		if counts["completed"] >= want {
			return now, nil
		}
		if now.After(deadline) {
			return now, fmt.Errorf("%d of %d jobs completed after %s (counts %v):\n%s", counts["completed"], want, limit, counts, s.logTail())
		}
		time.Sleep(pollEvery)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
