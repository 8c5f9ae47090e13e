// Command benchrun measures plumb plan against a shell loop of raw
// `tofu init && tofu plan -out` over the same 20 generated projects, in one
// run, and prints tab-separated rows for scripts/bench.sh:
//
//	raw_serial_s  plumb_serial_s  plumb_parallel2_s  warm_affected_s  warm_all_s
//
// The warm figures follow a one-line change to one project, with the data
// dir of the serial (cold) run: plumb plan --base/--head plans only the
// affected project; plumb plan --ref HEAD plans all 20 again.
//
// It expects .tools/env.sh to be sourced (tofu on PATH, the mirror config).
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
	rawS, err := timed(func() error { return rawLoop(raw) })
	if err != nil {
		return err
	}
	serialS, err := timed(func() error { return plumbPlan(bin, repo, filepath.Join(work, "data1"), "1") })
	if err != nil {
		return err
	}
	par2S, err := timed(func() error { return plumbPlan(bin, repo, filepath.Join(work, "data2"), "2") })
	if err != nil {
		return err
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
		return plumbPlan(bin, repo, filepath.Join(work, "data1"), "1", "--base", "HEAD~1", "--head", "HEAD")
	})
	if err != nil {
		return err
	}
	warmAll, err := timed(func() error { return plumbPlan(bin, repo, filepath.Join(work, "data1"), "1") })
	if err != nil {
		return err
	}
	fmt.Printf("%.3f\t%.3f\t%.3f\t%.3f\t%.3f\n", rawS, serialS, par2S, warmAffected, warmAll)
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

func rawLoop(dir string) error {
	script := `for d in p*/; do (cd "$d" && tofu init -input=false >/dev/null && tofu plan -input=false -out=plan.tfplan >/dev/null) || exit 1; done`
	return sh(dir, "bash", "-c", script)
}

func plumbPlan(bin, repo, data, parallelism string, extra ...string) error {
	cmd := exec.Command(bin, append([]string{"plan", "--data-dir", data, "--parallelism", parallelism, "--json"}, extra...)...)
	cmd.Dir = repo
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("plumb plan: %w\n%s", err, out)
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
