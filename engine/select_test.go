package engine

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hashicorp/go-version"

	"github.com/plumbhq/plumb"
)

// fakeVersioned writes an executable dir/name that answers version -json with v.
func fakeVersioned(t *testing.T, dir, name, v string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	script := "#!/bin/sh\necho '{\"terraform_version\": \"" + v + "\"}'\n"
	if err := os.WriteFile(p, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestSelectNewestMatchingFirst: whatever order Find lists the binaries
// in, Select takes the newest version the constraint allows, compared as
// versions (1.12.6 > 1.10.6 > 1.9.1, which string order gets wrong), and
// of equal versions the first found (--bin-dir before PATH).
func TestSelectNewestMatchingFirst(t *testing.T) {
	bin := func(v, path string) Binary {
		return Binary{Engine: plumb.EngineTofu, Version: version.Must(version.NewVersion(v)), Path: path}
	}
	sorted := []Binary{bin("1.12.6", "/a/tofu_1.12.6"), bin("1.10.6", "/a/tofu"), bin("1.10.6", "/b/tofu"), bin("1.9.1", "/a/tofu_1.9.1")}
	cases := map[string]string{
		"":                "/a/tofu_1.12.6",
		">= 1.9":          "/a/tofu_1.12.6",
		"< 1.12":          "/a/tofu",
		"~> 1.10.0":       "/a/tofu",
		"= 1.10.6":        "/a/tofu",
		">= 1.9, < 1.10":  "/a/tofu_1.9.1",
		"!= 1.12.6":       "/a/tofu",
		"~> 1.12.0, <= 2": "/a/tofu_1.12.6",
	}
	// Every order of the four binaries in which /a/tofu precedes /b/tofu.
	var orders [][]Binary
	var permute func(rest, cur []Binary)
	permute = func(rest, cur []Binary) {
		if len(rest) == 0 {
			if slices.IndexFunc(cur, func(b Binary) bool { return b.Path == "/a/tofu" }) < slices.IndexFunc(cur, func(b Binary) bool { return b.Path == "/b/tofu" }) {
				orders = append(orders, slices.Clone(cur))
			}
			return
		}
		for i := range rest {
			next := append(slices.Clone(rest[:i]), rest[i+1:]...)
			permute(next, append(cur, rest[i]))
		}
	}
	permute(sorted, nil)
	for _, bins := range orders {
		for constraint, want := range cases {
			got, err := Select(bins, plumb.EngineTofu, constraint)
			if err != nil || got.Path != want {
				t.Errorf("Select(%v, %q) = %s %v, want %s", binPaths(bins), constraint, got.Path, err, want)
			}
		}
	}
}

func binPaths(bins []Binary) []string {
	var out []string
	for _, b := range bins {
		out = append(out, b.Path)
	}
	return out
}

// TestFindSeveralVersions is the layout `make tools` installs: bin/ (on
// PATH) holds the default tofu, engines/ (a --bin-dir) every version under
// tofu_<version>, the default among them as a link to the same file. Find
// lists each binary once; PATH alone offers only the default.
func TestFindSeveralVersions(t *testing.T) {
	ctx := context.Background()
	bin, engines := t.TempDir(), t.TempDir()
	def := fakeVersioned(t, bin, "tofu", "1.10.6")
	if err := os.Symlink(def, filepath.Join(engines, "tofu_1.10.6")); err != nil {
		t.Fatal(err)
	}
	fakeVersioned(t, engines, "tofu_1.12.6", "1.12.6")
	fakeVersioned(t, engines, "tofu_1.9.1", "1.9.1")
	only := []plumb.Engine{plumb.EngineTofu}

	all := Find(ctx, Search{Dirs: []string{engines}, PATH: bin, Only: only})
	var got []string
	for _, b := range all {
		got = append(got, b.VersionString())
	}
	slices.Sort(got)
	if want := []string{"1.10.6", "1.12.6", "1.9.1"}; !slices.Equal(got, want) {
		t.Fatalf("Find listed versions %v, want %v (each binary once)", got, want)
	}
	for constraint, want := range map[string]string{"": "1.12.6", "= 1.10.6": "1.10.6", "< 1.12": "1.10.6", "~> 1.9.0": "1.9.1"} {
		if b, err := Select(all, plumb.EngineTofu, constraint); err != nil || b.VersionString() != want {
			t.Errorf("Select(%q) = %v %v, want %s", constraint, b.Version, err, want)
		}
	}

	onPath := Find(ctx, Search{PATH: bin, Only: only})
	if len(onPath) != 1 || onPath[0].VersionString() != "1.10.6" {
		t.Errorf("PATH alone found %v, want only the default tofu 1.10.6", binPaths(onPath))
	}
	if _, err := Select(onPath, plumb.EngineTofu, "= 1.12.6"); err == nil {
		t.Error("PATH alone satisfied = 1.12.6; want an error naming what is installed")
	}
}
