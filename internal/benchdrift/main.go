package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	plumbBin := flag.String("plumb", "bin/plumb", "plumb binary")
	n := flag.Int("projects", 200, "projects to generate")
	workers := flag.Int("workers", 2, "workers of the timed sweep")
	flag.Parse()
	if err := run(*plumbBin, *n, *workers); err != nil {
		fmt.Fprintln(os.Stderr, "benchdrift:", err)
		os.Exit(1)
	}
}

type sweep struct {
	Projects []struct {
		Name       string `json:"name"`
		Status     string `json:"status"`
		Error      string `json:"error"`
		DurationMS int64  `json:"duration_ms"`
	} `json:"projects"`
}

func run(bin string, n, workers int) error {
	bin, err := filepath.Abs(bin)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "plumb-benchdrift-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	repo := filepath.Join(tmp, "repo")
	if err := generate(repo, n); err != nil {
		return err
	}
	// The yardstick: single checks, each alone (its own plumb drift -p,
	// nothing else running), of every 5th project, scaled to all n.
	var sum float64
	sample := 0
	for i := 0; i < n; i += 5 {
		one, _, _, err := drift(bin, repo, filepath.Join(tmp, "data-single"), 1, fmt.Sprintf("p%03d", i))
		if err != nil {
			return err
		}
		sum += float64(one.Projects[0].DurationMS) / 1000
		sample++
	}
	sum *= float64(n) / float64(sample)
	before := childCPU()
	_, wall, rss, err := drift(bin, repo, filepath.Join(tmp, "data-sweep"), workers)
	if err != nil {
		return err
	}
	// The CPU plumb and its engines used in the sweep: on this many cores
	// no sweep could take less than cpu/cores, whatever plumb does.
	cpu := childCPU() - before
	fmt.Printf("%.3f\t%.3f\t%d\t%d\t%d\t%.3f\t%d\n", wall, sum, workers, rss, n, cpu, runtime.NumCPU())
	return nil
}

// drift runs one sweep and returns its JSON, wall time and peak RSS.
func drift(bin, repo, data string, workers int, projects ...string) (sweep, float64, int64, error) {
	var out, errb bytes.Buffer
	args := []string{"drift", "--repo", repo, "--json", "--parallelism", strconv.Itoa(workers)}
	for _, p := range projects {
		args = append(args, "-p", p)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "PLUMB_DATA_DIR="+data)
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start).Seconds()
	// Never applied, every project has resources to create: exit 2.
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 {
		return sweep{}, 0, 0, fmt.Errorf("plumb drift --parallelism %d: %v (want exit 2, pending)\n%s", workers, err, tail(errb.String()))
	}
	var s sweep
	if err := json.Unmarshal(out.Bytes(), &s); err != nil {
		return s, 0, 0, fmt.Errorf("plumb drift --json: %w", err)
	}
	for _, p := range s.Projects {
		if p.Status != "pending" {
			return s, 0, 0, fmt.Errorf("%s: %s %s, want pending", p.Name, p.Status, p.Error)
		}
	}
	var rss int64
	if u, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = u.Maxrss // kB on Linux: plumb alone, not the engines it ran
	}
	return s, wall, rss, nil
}

// childCPU is the user+system CPU seconds of every finished child and
// their waited-for descendants (plumb waits for its engines).
func childCPU() float64 {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &u); err != nil {
		return 0
	}
	return float64(u.Utime.Sec+u.Stime.Sec) + float64(u.Utime.Usec+u.Stime.Usec)/1e6
}

func generate(repo string, n int) error {
	for i := range n {
		dir := filepath.Join(repo, fmt.Sprintf("p%03d", i))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		body := fmt.Sprintf("resource \"null_resource\" \"a\" {\n  triggers = { name = \"p%03d\" }\n}\n", i)
		if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(body), 0o644); err != nil {
			return err
		}
	}
	for _, args := range [][]string{{"init", "-q", "-b", "main"}, {"add", "."}, {"-c", "user.name=bench", "-c", "user.email=bench@plumb.invalid", "commit", "-qm", "bench"}} {
		cmd := exec.Command("git", args...)
		cmd.Dir = repo
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	return nil
}

func tail(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-15):], "\n")
}
