package planner

import (
	"path"
	"strings"
	"testing"
)

func TestResolveSource(t *testing.T) {
	tests := []struct {
		dir, source, want string
		local, fails      bool
	}{
		{"envs/dev/app", "../../../modules/app", "modules/app", true, false},
		{"envs/dev/app", "./sub", "envs/dev/app/sub", true, false},
		{"examples/complete", "../../", ".", true, false},
		{"a", "../b/modules/x", "b/modules/x", true, false},
		{"a", `..\b`, "b", true, false},
		{".", "./modules/x/", "modules/x", true, false},
		{"a", "../../escape", "", true, true},
		{".", "..", "", true, true},
		{"a", "terraform-aws-modules/vpc/aws", "", false, false},
		{"a", "git::https://example.com/x.git?ref=v1", "", false, false},
		{"a", "github.com/org/repo//sub", "", false, false},
		{"a", "/abs/path", "", false, false},
	}
	for _, tt := range tests {
		got, local, err := ResolveSource(tt.dir, tt.source)
		if got != tt.want || local != tt.local || (err != nil) != tt.fails {
			t.Errorf("ResolveSource(%q, %q) = %q, %v, %v; want %q, %v, fails=%v", tt.dir, tt.source, got, local, err, tt.want, tt.local, tt.fails)
		}
	}
}

func FuzzResolveSource(f *testing.F) {
	for _, s := range [][2]string{
		{"envs/dev/app", "../../../modules/app"}, {".", "./x"}, {"a/b", "../../.."}, {"a", "git::x"},
		{"a", `.\..\..\x`}, {"", "./"}, {"a", "../\x00"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, dir, source string) {
		dir = path.Clean(dir)
		if path.IsAbs(dir) || strings.HasPrefix(dir, "..") {
			return // callers pass repo-relative dirs only
		}
		got, local, err := ResolveSource(dir, source)
		if err != nil || !local {
			return
		}
		if got == ".." || strings.HasPrefix(got, "../") || path.IsAbs(got) || got != path.Clean(got) {
			t.Fatalf("ResolveSource(%q, %q) = %q: outside the repository or not clean", dir, source, got)
		}
	})
}
