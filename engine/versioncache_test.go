package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plumbhq/plumb"
)

// fakeEngine writes an executable "tofu" that answers version -json with v
// and counts how often it was started.
func fakeEngine(t *testing.T, dir, v string) (calls func() int) {
	t.Helper()
	log := filepath.Join(dir, "calls")
	script := "#!/bin/sh\necho x >> " + log + "\necho '{\"terraform_version\": \"" + v + "\"}'\n"
	if err := os.WriteFile(filepath.Join(dir, "tofu"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return func() int {
		b, _ := os.ReadFile(log)
		return strings.Count(string(b), "x")
	}
}

func TestFindEnginesRemembersVersionsUntilABinaryChanges(t *testing.T) {
	ctx := context.Background()
	bin := t.TempDir()
	calls := fakeEngine(t, bin, "1.10.6")
	s := Search{Dirs: []string{bin}, Only: []plumb.Engine{plumb.EngineTofu}, VersionCache: filepath.Join(t.TempDir(), "versions.json")}
	find := func(want string) {
		t.Helper()
		got := Find(ctx, s)
		if len(got) != 1 || got[0].VersionString() != want {
			t.Fatalf("found %+v, want one tofu %s", got, want)
		}
	}

	find("1.10.6")
	find("1.10.6")
	if n := calls(); n != 1 {
		t.Errorf("the engine was asked its version %d times, want once", n)
	}
	// A binary rebuilt in place is asked again.
	calls = fakeEngine(t, bin, "1.11.0")
	find("1.11.0")
	if n := calls(); n != 2 {
		t.Errorf("after the binary changed: asked %d times in all, want 2", n)
	}
	// Without a cache file every search asks.
	s.VersionCache = ""
	find("1.11.0")
	if n := calls(); n != 3 {
		t.Errorf("without a cache: asked %d times in all, want 3", n)
	}
}
