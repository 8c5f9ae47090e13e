package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		code    int
		stderr  []string
		useRef  bool
		fixture string
		remove  []string
	}{
		{name: "messy repository: module problems fail validation", fixture: "messy", code: 1, stderr: []string{
			`comp-a/main.tf:6:12: module.gone.source: source "./does-not-exist"`,
			`comp-a/main.tf:9:12: module.outside.source: source "../../escape" leaves the repository`,
			"plumb validate: working tree is invalid (3 problems)",
		}},
		{name: "typo and bad depends_on, collected", fixture: "messy", code: 1, yaml: "version: 1\nprojects:\n  - dir: comp-a\n    depens_on: [x]\n  - dir: dup\n    depends_on: [comp]\n",
			stderr: []string{`plumb.yaml:4:5: projects[0].depens_on: unknown key (did you mean "depends_on"?)`}},
		{name: "missing dir and cycle", fixture: "messy", code: 1, yaml: "version: 1\nprojects:\n  - {name: a, dir: nowhere, depends_on: [b]}\n  - {name: b, dir: dup, depends_on: [a]}\n",
			stderr: []string{`plumb.yaml:3:41: projects[0].depends_on: depends_on cycle: a -> b -> a`}},
		{name: "missing dir", fixture: "messy", code: 1, yaml: "version: 1\nprojects:\n  - {name: a, dir: nowhere}\n",
			stderr: []string{`plumb.yaml:3:20: projects[0].dir: dir "nowhere" does not exist at this commit`}},
		{name: "valid at a ref", fixture: "messy", code: 0, useRef: true, remove: []string{"comp-a", "dup/b.tf"},
			yaml: "version: 1\nprojects:\n  - {name: a, dir: comp-b/modules/x}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, _ := plannerRepo(t, tt.fixture)
			if tt.yaml != "" {
				if err := os.WriteFile(filepath.Join(dir, "plumb.yaml"), []byte(tt.yaml), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			for _, p := range tt.remove {
				if err := os.RemoveAll(filepath.Join(dir, p)); err != nil {
					t.Fatal(err)
				}
			}
			args := []string{"validate"}
			if tt.useRef {
				args = append(args, "--ref", commitIn(t, dir))
			}
			code, out, stderr := runVerb(t, dir, args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, out, stderr)
			}
			for _, w := range tt.stderr {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
		})
	}
}
