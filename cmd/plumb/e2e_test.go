package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plumbhq/plumb/internal/pgtest"
	"github.com/plumbhq/plumb/internal/testenv"
)

// The end-to-end tests drive the real plumb binary against real engines,
// a real git repo and the filesystem provider mirror.

func TestMain(m *testing.M) {
	code := m.Run()
	testenv.Cleanup()
	pgtest.Stop()
	os.Exit(code)
}

// e2e is one test's world: a fixture repo, a data dir, an output dir for
// the files local_file writes, and the environment plumb runs with.
type e2e struct {
	t      *testing.T
	bin    string
	repo   *testenv.Repo
	data   string
	outDir string
	env    []string
}

func newE2E(t *testing.T, fixture string) *e2e {
	t.Helper()
	e := &e2e{t: t, bin: testenv.BuildPlumb(t), repo: testenv.NewRepo(t, fixture), data: t.TempDir(), outDir: t.TempDir()}
	e.env = append(testenv.Env(t), "TF_VAR_out_dir="+e.outDir, "PLUMB_DATA_DIR="+e.data)
	return e
}

type result struct {
	code           int
	stdout, stderr string
}

// plumb runs the binary in the repo and returns its exit code and output.
func (e *e2e) plumb(args ...string) result {
	e.t.Helper()
	cmd := exec.Command(e.bin, args...)
	cmd.Dir = e.repo.Dir
	cmd.Env = e.env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		e.t.Fatalf("plumb %s: %v", strings.Join(args, " "), err)
	}
	return result{code, out.String(), errb.String()}
}

// runsOf runs a verb with --json and decodes its runs, requiring the exit
// code given.
func (e *e2e) runsOf(wantCode int, args ...string) runsJSON {
	e.t.Helper()
	res := e.plumb(append(args, "--json")...)
	if res.code != wantCode {
		e.t.Fatalf("plumb %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), res.code, wantCode, res.stdout, res.stderr)
	}
	var out runsJSON
	if err := json.Unmarshal([]byte(res.stdout), &out); err != nil {
		e.t.Fatalf("plumb %s --json: %v\n%s", strings.Join(args, " "), err, res.stdout)
	}
	if out.FormatVersion != "1" {
		e.t.Errorf("format_version = %q, want 1", out.FormatVersion)
	}
	return out
}

// statuses maps project → status.
func statuses(out runsJSON) map[string]string {
	m := map[string]string{}
	for _, r := range out.Runs {
		m[r.Project] = r.Status
	}
	return m
}

func (e *e2e) file(name string) (string, bool) {
	b, err := os.ReadFile(filepath.Join(e.outDir, name))
	return string(b), err == nil
}
