package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var plumbBin struct {
	once sync.Once
	dir  string
	path string
	err  string
}

// BuildPlumb builds cmd/plumb once per test process and returns the binary's
// path. Call Cleanup from TestMain to remove it afterwards:
//
//	func TestMain(m *testing.M) { code := m.Run(); testenv.Cleanup(); os.Exit(code) }
func BuildPlumb(t testing.TB) string {
	t.Helper()
	rootDir := RepoRoot(t)
	plumbBin.once.Do(func() {
		dir, err := os.MkdirTemp("", "plumb-e2e-")
		if err != nil {
			plumbBin.err = "testenv: temp dir for plumb: " + err.Error()
			return
		}
		plumbBin.dir = dir
		bin := filepath.Join(dir, "plumb")
		args := []string{"build", "-o", bin}
		if os.Getenv("PLUMB_E2E_RACE") != "" {
			// The end-to-end tests then also find data races in the server
			// (queue workers, jobs and the runner share it).
			args = append(args, "-race")
		}
		cmd := exec.Command("go", append(args, "./cmd/plumb")...)
		cmd.Dir = rootDir
		if out, err := cmd.CombinedOutput(); err != nil {
			plumbBin.err = "testenv: go build ./cmd/plumb: " + err.Error() + "\n" + string(out)
			return
		}
		plumbBin.path = bin
	})
	if plumbBin.err != "" {
		t.Fatal(plumbBin.err)
	}
	return plumbBin.path
}

// Cleanup removes what BuildPlumb built; call it from TestMain after m.Run.
func Cleanup() {
	if plumbBin.dir != "" {
		os.RemoveAll(plumbBin.dir)
	}
}

var offline struct {
	once   sync.Once
	prefix []string
	reason string
}

// Offline returns the command prefix that runs a command with no network at
// all (`unshare -n`), or nil after logging why it cannot here (not root, no
// unshare): then the caller runs the command as is.
func Offline(t testing.TB) []string {
	t.Helper()
	offline.once.Do(func() {
		out, err := exec.Command("unshare", "-n", "true").CombinedOutput()
		if err != nil {
			offline.reason = "unshare -n unavailable (" + err.Error() + " " + string(out) + "): running with the network namespace as is"
			return
		}
		offline.prefix = []string{"unshare", "-n"}
	})
	if offline.prefix == nil {
		t.Log(offline.reason)
	}
	return offline.prefix
}
