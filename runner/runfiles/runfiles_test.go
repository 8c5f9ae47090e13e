package runfiles

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/plumbhq/plumb"
)

// Without a shared store a run's files live in its directory alone: the
// archived log is there (0600, as the saved plan), Read finds it, and a
// name or ID that would leave the runs' directory is refused.
func TestFilesInDataDir(t *testing.T) {
	ctx := context.Background()
	f := Files{Dir: filepath.Join(t.TempDir(), "runs")}
	if err := f.Archive(ctx, "r1", []byte("one\ntwo\n")); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(filepath.Join(f.Dir, "r1", LogFile))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("archived log: %v, %v; want 0600", info, err)
	}
	if got, err := f.Read(ctx, "r1", LogFile); err != nil || string(got) != "one\ntwo\n" {
		t.Errorf("Read log = %q, %v", got, err)
	}
	if _, err := f.Read(ctx, "r1", JSONFile); plumb.ErrorCode(err) != plumb.ENOTFOUND {
		t.Errorf("Read of a file the run has not: %v, want not_found", err)
	}
	os.WriteFile(filepath.Join(filepath.Dir(f.Dir), "secret.txt"), []byte("x"), 0o600)
	for _, c := range [][2]string{{"..", "secret.txt"}, {"r1/..", LogFile}, {"r1", "../r1/" + LogFile}, {"", LogFile}, {"r1", PlanFile}} {
		if _, err := f.Read(ctx, c[0], c[1]); plumb.ErrorCode(err) != plumb.EINVALID {
			t.Errorf("Read(%q, %q): %v, want invalid", c[0], c[1], err)
		}
	}
}
