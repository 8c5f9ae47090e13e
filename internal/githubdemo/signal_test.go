package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/plumbhq/plumb/internal/testenv"
)

// TestSecondSignalWhileExiting is make dashboard's stop: Ctrl-C reaches
// githubdemo through the group, then the script sends it SIGTERM. A
// signal that lands while it is already exiting must not kill it (exit
// 143); it exits 0 as told. Signals are sent until it is gone, so some
// land in its last moments, where the default action used to be back.
// It guards internal/stopsignal, which keeps them caught to the end.
func TestSecondSignalWhileExiting(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		need(t, "git is not on PATH: "+err.Error())
	}
	bin := buildGithubdemo(t)
	repo := t.TempDir()
	for _, args := range [][]string{
		{"init", "--quiet", "-b", "main"},
		{"-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "--allow-empty", "-m", "first"},
	} {
		if out, err := exec.Command("git", append([]string{"-C", repo}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	for round := range 5 {
		envFile := filepath.Join(t.TempDir(), "github.env")
		cmd := exec.Command(bin, "-repo", repo, "-env-file", envFile)
		log := &syncBuffer{}
		cmd.Stdout, cmd.Stderr = writerFunc(log.WriteString), writerFunc(log.WriteString)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		deadline := time.Now().Add(30 * time.Second)
		for {
			if _, err := os.Stat(envFile); err == nil {
				break
			}
			select {
			case err := <-done:
				t.Fatalf("githubdemo exited before it was up: %v\n%s", err, log)
			case <-time.After(20 * time.Millisecond):
			}
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				t.Fatalf("githubdemo not up after 30 s:\n%s", log)
			}
		}
		guard := time.AfterFunc(40*time.Second, func() { cmd.Process.Kill() })
		err := testenv.SignalUntilExit(cmd.Process, syscall.SIGINT, syscall.SIGTERM, done)
		guard.Stop()
		if err != nil {
			t.Fatalf("round %d: githubdemo told to stop, then sent SIGTERM while stopping: %v, want exit 0\n%s", round, err, log)
		}
	}
}

type writerFunc func(string)

func (f writerFunc) Write(p []byte) (int, error) { f(string(p)); return len(p), nil }
