package vcs

import (
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden compares got with the file at path (rewritten with -update).
func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./vcs -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from what was rendered; run go test ./vcs -run %s -update and review the diff", path, t.Name())
	}
}
