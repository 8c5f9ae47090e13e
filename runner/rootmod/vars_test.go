package rootmod

import (
	"os"
	"path/filepath"
	"testing"
)

func TestHCLString(t *testing.T) {
	cases := map[string]string{
		`plain`:          `"plain"`,
		`a "q" \ b`:      `"a \"q\" \\ b"`,
		"line\nnext\tt":  `"line\nnext\tt"`,
		"${var.x} %{if}": `"$${var.x} %%{if}"`,
		"$ alone %":      `"$ alone %"`,
		"bell\a":         `"bell\u0007"`,
		"ünïcødé":        `"ünïcødé"`,
	}
	for in, want := range cases {
		if got := HCLString(in); got != want {
			t.Errorf("HCLString(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestWriteVarFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "v.tfvars")
	vars := map[string]string{"name": `x"y`, "count": "3", "tags": `{ a = "b" }`, "undeclared": "zzz", "json_list": `["a"]`}
	types := map[string]string{"name": "", "count": "number", "tags": "map(string)", "json_list": `"list(string)"`}
	got, err := WriteVarFile(path, vars, types)
	if err != nil || got != path {
		t.Fatalf("WriteVarFile = %q, %v", got, err)
	}
	data, _ := os.ReadFile(path)
	want := "# Written by plumb from TF_VAR_* for one run; deleted after it.\ncount = \"3\"\njson_list = [\"a\"]\nname = \"x\\\"y\"\ntags = { a = \"b\" }\n"
	if string(data) != want {
		t.Errorf("var file:\n%s\nwant:\n%s", data, want)
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
		t.Errorf("var file mode %v, want 0600", info.Mode().Perm())
	}
	if got, err := WriteVarFile(filepath.Join(dir, "none"), map[string]string{"x": "1"}, map[string]string{}); got != "" || err != nil {
		t.Errorf("nothing declared: got %q, %v; want no file", got, err)
	}
}
