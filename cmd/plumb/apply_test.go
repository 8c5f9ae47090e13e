package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/store/sqlite"
)

func TestApplyStateSurvivesAcrossWorktrees(t *testing.T) {
	t.Parallel()
	e := newE2E(t, "fixtures/mono")
	c1 := e.repo.Head()
	e.runsOf(0, "apply", "--auto-approve", "-p", "net-dev")
	// A new commit is a new worktree; the state plumb keeps must follow.
	e.repo.Write("README.md", "unrelated\n")
	c2 := e.repo.Commit("docs")
	out := e.runsOf(0, "plan", "--ref", c2, "-p", "net-dev", "--detailed-exitcode")
	if s := statuses(out)["net-dev"]; s != "no_changes" {
		t.Fatalf("net-dev at %s is %s after applying %s, want no_changes: state was lost between worktrees", c2[:8], s, c1[:8])
	}
	if _, err := os.Stat(filepath.Join(e.repo.Dir, "envs/dev/net/zz_plumb_backend_override.tf")); err == nil {
		t.Error("plumb wrote its backend override into the user's checkout")
	}
}

func TestApplyRefusesStalePlanAndReplans(t *testing.T) {
	t.Parallel()
	e := newE2E(t, "fixtures/mono")
	c1 := e.repo.Head()
	e.repo.Write("envs/dev/net/extra.tf", "resource \"null_resource\" \"extra\" {}\n")
	c2 := e.repo.Commit("extra resource")

	planned := e.runsOf(2, "plan", "--ref", c2, "-p", "net-dev", "--detailed-exitcode")
	planID := planned.Runs[0].ID
	// Someone applies the older commit: the state moves under the saved plan.
	e.runsOf(0, "apply", "--ref", c1, "--auto-approve", "-p", "net-dev")

	out := e.runsOf(0, "apply", "--ref", c2, "--auto-approve", "-p", "net-dev")
	r := out.Runs[0]
	if r.Status != "applied" {
		t.Fatalf("apply at c2: %s (%s), want applied", r.Status, r.Error)
	}
	if !strings.Contains(r.Replanned, "stale") || !strings.Contains(r.Replanned, planID) {
		t.Errorf("replanned = %q, want it to say plan %s is stale", r.Replanned, planID)
	}
	if r.Summary.Add != 1 {
		t.Errorf("the fresh plan adds %d, want 1 (only the extra resource; the network exists)", r.Summary.Add)
	}
}

func TestApplyBlockedByAnotherOwnersLock(t *testing.T) {
	t.Parallel()
	e := newE2E(t, "fixtures/mono")
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(e.data, "plumb.db"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = st.AcquireLock(ctx, plumb.Lock{ID: "pr12", Key: plumb.LockKey{Repo: e.repo.Dir, Dir: "envs/dev/net", Workspace: "default"},
		Project: "net-dev", Owner: "PR #12", Reason: "plan", AcquiredAt: time.Now()})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	out := e.runsOf(1, "apply", "--auto-approve")
	got := map[string]runJSON{}
	for _, r := range out.Runs {
		got[r.Project] = r
	}
	if r := got["net-dev"]; r.Status != "blocked" || r.BlockedBy != "PR #12" {
		t.Errorf("net-dev: %s blocked_by %q, want blocked by PR #12", r.Status, r.BlockedBy)
	}
	if r := got["app-dev"]; r.Status != "skipped" || !strings.Contains(r.Error, "net-dev") {
		t.Errorf("app-dev: %s (%s), want skipped because net-dev is locked", r.Status, r.Error)
	}
	if r := got["app-prod"]; r.Status != "applied" {
		t.Errorf("app-prod: %s (%s), want applied: it does not depend on net-dev", r.Status, r.Error)
	}
}

func TestApplyConcurrentSameProjectNeverOverlaps(t *testing.T) {
	t.Parallel()
	e := newE2E(t, "fixtures/slow")
	var wg sync.WaitGroup
	results := make([]result, 2)
	for i := range results {
		wg.Go(func() { results[i] = e.plumb("apply", "--auto-approve", "--json") })
	}
	wg.Wait()
	var applied, noChanges int
	for _, res := range results {
		if res.code != 0 {
			t.Fatalf("exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
		}
		var out runsJSON
		if err := json.Unmarshal([]byte(res.stdout), &out); err != nil {
			t.Fatal(err)
		}
		switch out.Runs[0].Status {
		case "applied":
			applied++
		case "no_changes":
			noChanges++
		}
	}
	// The second waits for the first, finds its saved plan stale (or the
	// state already applied) and ends with nothing left to do.
	if applied != 1 || noChanges != 1 {
		t.Errorf("applied %d, no_changes %d; want exactly one apply", applied, noChanges)
	}
}

func TestApplyCancelledLeavesNoLock(t *testing.T) {
	t.Parallel()
	e := newE2E(t, "fixtures/slow")
	cmd := exec.Command(e.bin, "apply", "--auto-approve", "--json")
	cmd.Dir = e.repo.Dir
	cmd.Env = append(e.env, "TF_VAR_seconds=60")
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(stderr.String(), "applying root") {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("apply never started:\n%s", stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(1500 * time.Millisecond) // let tofu reach the provisioner
	start := time.Now()
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	if err == nil {
		t.Fatalf("a cancelled apply exited 0:\n%s", stderr.String())
	}
	if took := time.Since(start); took > 45*time.Second {
		t.Errorf("cancel took %s", took)
	}
	locks := e.plumb("locks", "list", "--json")
	var out struct {
		Locks []json.RawMessage `json:"locks"`
	}
	if err := json.Unmarshal([]byte(locks.stdout), &out); err != nil || len(out.Locks) != 0 {
		t.Errorf("locks after cancel: %s (err %v), want none", locks.stdout, err)
	}
	// And the project is usable again: a fresh apply is not blocked.
	e.env = append(e.env, "TF_VAR_seconds=0")
	res := e.runsOf(0, "apply", "--auto-approve")
	if s := res.Runs[0].Status; s != "applied" {
		t.Errorf("apply after cancel: %s (%s)", s, res.Runs[0].Error)
	}
}

// TestRedactionCanary plants a secret in a sensitive variable and another
// in an env var plumb is told is secret, then searches every output and
// every file plumb keeps for either.
func TestRedactionCanary(t *testing.T) {
	t.Parallel()
	e := newE2E(t, "fixtures/secrets")
	const pw, token = "canary-pw-7f3e91c2", "canary-token-b84d1a06"
	e.env = append(e.env, "TF_VAR_db_password="+pw, "TF_VAR_label="+token, "DEPLOY_TOKEN="+token,
		"PLUMB_SECRET_ENV=DEPLOY_TOKEN", "PLUMB_LOG_LEVEL=debug")
	var outputs []string
	for _, args := range [][]string{
		{"plan", "--comment-out", filepath.Join(e.data, "comment.md")},
		{"plan", "--json"},
		{"apply", "--auto-approve"},
		{"apply", "--auto-approve", "--json"},
		{"plan", "--json"},
		{"locks", "list", "--json"},
	} {
		res := e.plumb(args...)
		if res.code != 0 && res.code != 2 {
			t.Fatalf("plumb %v: exit %d\n%s", args, res.code, res.stderr)
		}
		outputs = append(outputs, res.stdout, res.stderr)
	}
	for i, out := range outputs {
		for _, secret := range []string{pw, token} {
			if strings.Contains(out, secret) {
				t.Errorf("output %d shows the secret %q:\n%s", i, secret, out)
			}
		}
	}
	if !strings.Contains(strings.Join(outputs, ""), `"label" = "`+plumb.Redacted+`"`) {
		t.Error("no plan shows the label redacted: the --secret-env canary never reached the plan text")
	}
	// Every file under the data dir, the database and its WAL included;
	// only the state may hold real values, and then only 0600.
	filepath.WalkDir(e.data, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, secret := range []string{pw, token} {
			if !bytes.Contains(data, []byte(secret)) {
				continue
			}
			info, _ := d.Info()
			if strings.HasSuffix(path, ".tfstate") || strings.HasSuffix(path, ".tfstate.backup") {
				if info.Mode().Perm() != 0o600 {
					t.Errorf("%s holds a secret with mode %v, want 0600", path, info.Mode().Perm())
				}
				continue
			}
			t.Errorf("%s contains the secret %q", path, secret)
		}
		return nil
	})
}

// syncBuffer is a bytes.Buffer safe to read while a process writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
