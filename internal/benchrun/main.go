package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

const projects = 20

func main() {
	plumbBin := flag.String("plumb", "bin/plumb", "plumb binary")
	tofu := flag.String("tofu", filepath.Join(os.Getenv("PLUMB_TOOLS_DIR"), "engines", "tofu_1.12.6"), "the OpenTofu both sides run")
	rounds := flag.Int("rounds", 3, "interleaved rounds of each serial and two-at-a-time run")
	flag.Parse()
	if err := run(*plumbBin, *tofu, *rounds); err != nil {
		fmt.Fprintln(os.Stderr, "benchrun:", err)
		os.Exit(1)
	}
}

// bench is one benchrun: its work dir, the generated repo and the
// environment every command runs with (the pinned engine first on PATH).
type bench struct {
	work, repo, plumb, bin string
	env                    []string
	copies                 int
}

func run(plumbBin, tofu string, rounds int) error {
	bin, err := filepath.Abs(plumbBin)
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "plumb-benchrun-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	b := &bench{work: work, repo: filepath.Join(work, "repo"), plumb: bin, bin: filepath.Join(work, "bin")}
	if err := os.MkdirAll(b.bin, 0o755); err != nil {
		return err
	}
	if err := os.Symlink(tofu, filepath.Join(b.bin, "tofu")); err != nil {
		return err
	}
	b.env = append(os.Environ(), "PATH="+b.bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	if err := generate(b.repo); err != nil {
		return err
	}
	var rawS, serialS, rawP2, par2S, rawCPU, plumbCPU []float64
	firstData := ""
	for i := 0; i < rounds; i++ {
		for _, step := range []struct {
			wall, cpu *[]float64
			f         func(cpu *float64) error
		}{
			{&rawS, &rawCPU, func(cpu *float64) error { return b.raw(rawSerial, cpu) }},
			{&serialS, &plumbCPU, func(cpu *float64) error {
				data := b.dataDir()
				if firstData == "" {
					firstData = data
				}
				return b.plan(data, "1", cpu)
			}},
			{&rawP2, nil, func(*float64) error { return b.raw(rawParallel2, nil) }},
			{&par2S, nil, func(*float64) error { return b.plan(b.dataDir(), "2", nil) }},
		} {
			var cpu float64
			s, err := timed(func() error { return step.f(&cpu) })
			if err != nil {
				return err
			}
			*step.wall = append(*step.wall, s)
			if step.cpu != nil {
				*step.cpu = append(*step.cpu, cpu)
			}
		}
	}
	rawShow, err := timed(func() error { return b.raw(rawShowSerial, nil) })
	if err != nil {
		return err
	}
	// Warm: a one-line change to one project after a full plan, planned
	// again with the data dir of the first serial run.
	p := filepath.Join(b.repo, "p00", "main.tf")
	src, _ := os.ReadFile(p)
	if err := os.WriteFile(p, []byte(strings.Replace(string(src), `"v1"`, `"v2"`, 1)), 0o644); err != nil {
		return err
	}
	if err := sh(b.repo, "git", "commit", "-qam", "one-line change"); err != nil {
		return err
	}
	var out []byte
	warmAffected, err := timed(func() error {
		var err error
		out, err = b.planOut(firstData, "1", nil, "--base", "HEAD~1", "--head", "HEAD")
		return err
	})
	if err != nil {
		return err
	}
	warmAll, err := timed(func() error { return b.plan(firstData, "1", nil) })
	if err != nil {
		return err
	}
	version, err := engineOf(out)
	if err != nil {
		return err
	}
	fmt.Printf("%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%s\n",
		median(rawS), median(serialS), median(par2S), warmAffected, warmAll, median(rawP2), rawShow,
		median(rawCPU), median(plumbCPU), version)
	return nil
}

func (b *bench) dataDir() string {
	b.copies++
	return filepath.Join(b.work, fmt.Sprintf("data%d", b.copies))
}

// raw runs a raw loop in a fresh plain copy of the repo, as a user without
// plumb would; cpu, if set, gets the CPU seconds it and everything it
// started used.
func (b *bench) raw(script string, cpu *float64) error {
	b.copies++
	dir := filepath.Join(b.work, fmt.Sprintf("raw%d", b.copies))
	if err := sh(b.work, "cp", "-r", b.repo, dir); err != nil {
		return err
	}
	cmd := exec.Command("bash", "-c", script)
	cmd.Dir, cmd.Env = dir, b.env
	return runCounted(cmd, "raw loop", cpu)
}

func (b *bench) plan(data, parallelism string, cpu *float64, extra ...string) error {
	_, err := b.planOut(data, parallelism, cpu, extra...)
	return err
}

func (b *bench) planOut(data, parallelism string, cpu *float64, extra ...string) ([]byte, error) {
	cmd := exec.Command(b.plumb, append([]string{"plan", "--data-dir", data, "--bin-dir", b.bin, "--parallelism", parallelism, "--json"}, extra...)...)
	cmd.Dir, cmd.Env = b.repo, b.env
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("plumb plan: %w\n%s", err, stderr.String())
	}
	if cpu != nil {
		*cpu = (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
	}
	return []byte(stdout.String()), nil
}

// engineOf is the engine a plumb plan --json ran, so the table can say it
// and a wrong pick cannot pass unnoticed.
func engineOf(out []byte) (string, error) {
	var v struct {
		Runs []struct {
			Engine        string `json:"engine"`
			EngineVersion string `json:"engine_version"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(out, &v); err != nil || len(v.Runs) == 0 {
		return "", fmt.Errorf("plumb plan --json: no runs in %.200s (%v)", out, err)
	}
	return v.Runs[0].Engine + "_" + v.Runs[0].EngineVersion, nil
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
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
