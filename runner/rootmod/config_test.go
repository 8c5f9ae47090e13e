package rootmod

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
	cfg := Read(dir, nil, true)
	if !cfg.HasBackend {
		t.Error("the .tofu backend was not seen")
	}
	if cfg.RequiredVersion != ">= 1.8" {
		t.Errorf("required_version = %q", cfg.RequiredVersion)
	}
	want := map[string]string{"a": "", "b": "list(string)", "c": `"number"`}
	for k, v := range want {
		if cfg.VarTypes[k] != v {
			t.Errorf("var %s type = %q, want %q", k, cfg.VarTypes[k], v)
		}
	}
	if _, ok := cfg.VarTypes["z"]; ok {
		t.Error("a subdirectory's variable was read as the root's")
	}
	if Read(dir, nil, false).HasBackend {
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
	override := "terraform {\n  backend \"local\" {\n    path = \"/var/plumb/state/terraform.tfstate\"\n  }\n}\n"
	if err := os.WriteFile(filepath.Join(dir, BackendOverride), []byte(override), 0o644); err != nil {
		t.Fatal(err)
	}
	if Read(dir, nil, true).HasBackend {
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
	before := Read(dir, []string{mod}, true).InitInputs
	writeFiles(t, dir, map[string]string{"main.tf": "terraform {\n  required_providers {\n    null = { source = \"hashicorp/null\" }\n  }\n}\nmodule \"m\" {\n  source = \"./mod\"\n}\nresource \"null_resource\" \"a\" {\n  triggers = { x = \"1\" }\n}\n"})
	if got := Read(dir, []string{mod}, true).InitInputs; got != before {
		t.Error("editing a resource changed the init fingerprint")
	}
	writeFiles(t, dir, map[string]string{"mod/main.tf": "terraform {\n  required_providers {\n    random = { source = \"hashicorp/random\" }\n  }\n}\n"})
	if got := Read(dir, []string{mod}, true).InitInputs; got == before {
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
		got = append(got, Read(dir, []string{filepath.Join(dir, "mod")}, true).InitInputs)
	}
	if got[0] != got[1] {
		t.Error("the same tree in two worktrees gave two init fingerprints")
	}
}
