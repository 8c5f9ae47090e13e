package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

const projects = 20

func main() {
	plumbBin := flag.String("plumb", "bin/plumb", "plumb binary")
	flag.Parse()
	if err := run(*plumbBin); err != nil {
		fmt.Fprintln(os.Stderr, "benchrun:", err)
		os.Exit(1)
	}
}

func run(plumbBin string) error {
	bin, err := filepath.Abs(plumbBin)
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "plumb-benchrun-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	repo := filepath.Join(work, "repo")
	if err := generate(repo); err != nil {
		return err
	}
	// The raw loop works in a plain copy, as a user without plumb would.
	raw := filepath.Join(work, "raw")
	if err := sh(work, "cp", "-r", repo, raw); err != nil {
		return err
	}
	var rawCPU, plumbCPU float64
	rawS, err := timed(func() error { return rawLoop(raw, rawSerial, &rawCPU) })
	if err != nil {
		return err
	}
	serialS, err := timed(func() error { return plumbPlan(bin, repo, filepath.Join(work, "data1"), "1", &plumbCPU) })
	if err != nil {
		return err
	}
	par2S, err := timed(func() error { return plumbPlan(bin, repo, filepath.Join(work, "data2"), "2", nil) })
	if err != nil {
		return err
	}
	var refs [2]float64
	for i, script := range []string{rawParallel2, rawShowSerial} {
		dir := filepath.Join(work, fmt.Sprintf("raw%d", i+2))
		if err := sh(work, "cp", "-r", repo, dir); err != nil {
			return err
		}
		if refs[i], err = timed(func() error { return rawLoop(dir, script, nil) }); err != nil {
			return err
		}
	}
	// Warm: a one-line change to one project after a full plan, planned
	// again with the data dir of the serial run.
	p := filepath.Join(repo, "p00", "main.tf")
	src, _ := os.ReadFile(p)
	if err := os.WriteFile(p, []byte(strings.Replace(string(src), `"v1"`, `"v2"`, 1)), 0o644); err != nil {
		return err
	}
	if err := sh(repo, "git", "commit", "-qam", "one-line change"); err != nil {
		return err
	}
	warmAffected, err := timed(func() error {
		return plumbPlan(bin, repo, filepath.Join(work, "data1"), "1", nil, "--base", "HEAD~1", "--head", "HEAD")
	})
	if err != nil {
		return err
	}
	warmAll, err := timed(func() error { return plumbPlan(bin, repo, filepath.Join(work, "data1"), "1", nil) })
	if err != nil {
		return err
	}
	fmt.Printf("%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\n",
		rawS, serialS, par2S, warmAffected, warmAll, refs[0], refs[1], rawCPU, plumbCPU)
	return nil
}

func generate(repo string) error {
	for i := 0; i < projects; i++ {
		dir := filepath.Join(repo, fmt.Sprintf("p%02d", i))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		body := fmt.Sprintf(`resource "null_resource" "a" {
  triggers = { version = "v1" }
}

resource "random_string" "s" {
  length  = 12
  special = false
}

resource "null_resource" "b" {
  triggers = { name = "p%02d-${random_string.s.result}" }
}
`, i)
		if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(body), 0o644); err != nil {
			return err
		}
	}
	for _, args := range [][]string{{"init", "-q", "-b", "main"}, {"add", "."}, {"commit", "-qm", "bench"}} {
		if err := sh(repo, "git", args...); err != nil {
			return err
		}
	}
	return nil
}

// The raw loops: what a user without plumb runs over the projects.
const (
	rawSerial     = `for d in p*/; do (cd "$d" && tofu init -input=false >/dev/null && tofu plan -input=false -out=plan.tfplan >/dev/null) || exit 1; done`
	rawParallel2  = `printf '%s\n' p*/ | xargs -P 2 -I{} sh -c 'cd {} && tofu init -input=false >/dev/null && tofu plan -input=false -out=plan.tfplan >/dev/null'`
	rawShowSerial = `for d in p*/; do (cd "$d" && tofu init -input=false >/dev/null && tofu plan -input=false -out=plan.tfplan >/dev/null && tofu show -json plan.tfplan >/dev/null) || exit 1; done`
)

// rawLoop runs script in dir; cpu, if set, gets the CPU seconds it and
// everything it started used.
func rawLoop(dir, script string, cpu *float64) error {
	cmd := exec.Command("bash", "-c", script)
	cmd.Dir = dir
	return runCounted(cmd, "raw loop", cpu)
}

func plumbPlan(bin, repo, data, parallelism string, cpu *float64, extra ...string) error {
	cmd := exec.Command(bin, append([]string{"plan", "--data-dir", data, "--parallelism", parallelism, "--json"}, extra...)...)
	cmd.Dir = repo
	return runCounted(cmd, "plumb plan", cpu)
}

// runCounted runs cmd; cpu, if set, gets its user plus system CPU time,
// which includes every descendant it waited for (the engines, providers).
func runCounted(cmd *exec.Cmd, what string, cpu *float64) error {
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w\n%s", what, err, out)
	}
	if cpu != nil {
		*cpu = (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
	}
	return nil
}

func timed(f func() error) (float64, error) {
	start := time.Now()
	err := f()
	return time.Since(start).Seconds(), err
}

func sh(dir, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_AUTHOR_NAME=bench", "GIT_AUTHOR_EMAIL=b@x", "GIT_COMMITTER_NAME=bench", "GIT_COMMITTER_EMAIL=b@x")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, out)
	}
	return nil
}
