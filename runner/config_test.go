package runner

import (
	"os"
	"path/filepath"
	"testing"
)

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestReadRootConfig(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"main.tf":        "terraform {\n  required_version = \">= 1.8\"\n}\nvariable \"a\" {}\nvariable \"b\" {\n  type = list(string)\n}\nresource \"null_resource\" \"x\" {}\n",
		"vars.tf.json":   `{"variable": {"c": {"type": "number"}}}`,
		"backend.tofu":   "terraform {\n  backend \"s3\" {}\n}\n",
		"backend.tf":     "# hidden by backend.tofu for OpenTofu\n",
		"broken.tf":      "resource {",
		"notes.md":       "not config",
		"sub/ignored.tf": "variable \"z\" {}",
	})
	cfg := readRootConfig(dir, nil, true)
	if !cfg.hasBackend {
		t.Error("the .tofu backend was not seen")
	}
	if cfg.requiredVersion != ">= 1.8" {
		t.Errorf("required_version = %q", cfg.requiredVersion)
	}
	want := map[string]string{"a": "", "b": "list(string)", "c": `"number"`}
	for k, v := range want {
		if cfg.varTypes[k] != v {
			t.Errorf("var %s type = %q, want %q", k, cfg.varTypes[k], v)
		}
	}
	if _, ok := cfg.varTypes["z"]; ok {
		t.Error("a subdirectory's variable was read as the root's")
	}
	if readRootConfig(dir, nil, false).hasBackend {
		t.Error("terraform reads backend.tf, not backend.tofu: no backend expected")
	}
}

// The backend override plumb wrote into a worktree earlier is plumb's, not
// the project's: a second run in the same worktree must still see a
// project without a backend (and so check the state it keeps for it).
func TestRootConfigIgnoresPlumbsOwnBackendOverride(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte("resource \"null_resource\" \"a\" {}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := writeBackendOverride(dir, t.TempDir()); err != nil {
		t.Fatal(err)
	}
	if readRootConfig(dir, nil, true).hasBackend {
		t.Error("plumb's own backend override was taken for the project's backend")
	}
}

// The init fingerprint moves with providers, modules and backend, and not
// with resources: a one-line change must not cost an init.
func TestInitInputsIgnoreResourceEdits(t *testing.T) {
	dir := t.TempDir()
	mod := filepath.Join(dir, "mod")
	writeFiles(t, dir, map[string]string{
		"main.tf":     "terraform {\n  required_providers {\n    null = { source = \"hashicorp/null\" }\n  }\n}\nmodule \"m\" {\n  source = \"./mod\"\n}\nresource \"null_resource\" \"a\" {}\n",
		"mod/main.tf": "resource \"null_resource\" \"b\" {}\n",
	})
	before := readRootConfig(dir, []string{mod}, true).initInputs
	writeFiles(t, dir, map[string]string{"main.tf": "terraform {\n  required_providers {\n    null = { source = \"hashicorp/null\" }\n  }\n}\nmodule \"m\" {\n  source = \"./mod\"\n}\nresource \"null_resource\" \"a\" {\n  triggers = { x = \"1\" }\n}\n"})
	if got := readRootConfig(dir, []string{mod}, true).initInputs; got != before {
		t.Error("editing a resource changed the init fingerprint")
	}
	writeFiles(t, dir, map[string]string{"mod/main.tf": "terraform {\n  required_providers {\n    random = { source = \"hashicorp/random\" }\n  }\n}\n"})
	if got := readRootConfig(dir, []string{mod}, true).initInputs; got == before {
		t.Error("a module's new provider did not change the init fingerprint")
	}
}

// Every commit is a new worktree: the fingerprint must not change with
// the worktree's path, or init would never be skipped.
func TestInitInputsStableAcrossWorktrees(t *testing.T) {
	var got []string
	for range 2 {
		dir := t.TempDir()
		writeFiles(t, dir, map[string]string{"main.tf": "module \"m\" {\n  source = \"./mod\"\n}\n", "mod/main.tf": "terraform {}\n"})
		got = append(got, readRootConfig(dir, []string{filepath.Join(dir, "mod")}, true).initInputs)
	}
	if got[0] != got[1] {
		t.Error("the same tree in two worktrees gave two init fingerprints")
	}
}
