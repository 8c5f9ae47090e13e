package planner_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/planner"
	"github.com/plumbhq/plumb/vcs"
)

// edit changes the working tree of a fixture repository before the head
// commit: write (path → content), remove, or rename (git mv).
type edit struct {
	write  map[string]string
	remove []string
	rename [][2]string
}

func (e edit) apply(t *testing.T, dir string) {
	t.Helper()
	for p, content := range e.write {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range e.remove {
		git(t, dir, "rm", "-rq", p)
	}
	for _, r := range e.rename {
		git(t, dir, "mv", r[0], r[1])
	}
}

func appendTo(t *testing.T, dir, p, s string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, p))
	if err != nil {
		t.Fatal(err)
	}
	return string(b) + s
}

func TestAffected(t *testing.T) {
	vpcMain := "modified modules/vpc/main.tf"
	tests := []struct {
		name    string
		edit    func(t *testing.T, dir string) edit
		want    map[string][]string // project → reasons, checked in apply order
		order   []string
		removed []string
	}{
		{
			name: "module called from two environments, nested and through a symlink",
			edit: func(t *testing.T, dir string) edit {
				return edit{write: map[string]string{"modules/vpc/main.tf": appendTo(t, dir, "modules/vpc/main.tf", "# x\n")}}
			},
			order: []string{"network-dev", "app-dev", "network-prod", "app-prod", "tofuy"},
			want: map[string][]string{
				"network-dev":  {"calls modules/vpc (" + vpcMain + ")"},
				"app-dev":      {"calls modules/vpc (" + vpcMain + ") via modules/app"},
				"network-prod": {"calls modules/vpc (" + vpcMain + ")"},
				"app-prod":     {"calls modules/vpc (" + vpcMain + ") via modules/app"},
				"tofuy":        {"calls modules/vpc (" + vpcMain + ")"},
			},
		},
		{
			name: "nested chain to a .tofu module",
			edit: func(t *testing.T, dir string) edit {
				return edit{write: map[string]string{"modules/vpc/subnet/main.tofu": "variable \"n\" {}\n"}}
			},
			order: []string{"network-dev", "app-dev", "network-prod", "app-prod", "tofuy"},
			want: map[string][]string{
				"app-dev": {"calls modules/vpc/subnet (modified modules/vpc/subnet/main.tofu) via modules/app -> modules/vpc"},
			},
		},
		{
			name: "a file in a module's template dir",
			edit: func(t *testing.T, dir string) edit {
				return edit{write: map[string]string{"modules/vpc/templates/cidr.tpl": "new\n"}}
			},
			order: []string{"network-dev", "app-dev", "network-prod", "app-prod", "tofuy"},
		},
		{
			name: "../ glob in when_modified",
			edit: func(t *testing.T, dir string) edit {
				return edit{write: map[string]string{"shared/settings.yaml": "a: 2\n"}}
			},
			order: []string{"app-prod"},
			want:  map[string][]string{"app-prod": {"modified shared/settings.yaml"}},
		},
		{
			name: ".tf.json project file",
			edit: func(t *testing.T, dir string) edit {
				return edit{write: map[string]string{"envs/prod/network/main.tf.json": `{"module": {"vpc": {"source": "../../../modules/vpc"}}}`}}
			},
			order: []string{"network-prod"},
			want:  map[string][]string{"network-prod": {"modified envs/prod/network/main.tf.json"}},
		},
		{
			name: "uncalled module",
			edit: func(t *testing.T, dir string) edit {
				return edit{write: map[string]string{"modules/unused/main.tf": "variable \"z\" {}\n"}}
			},
			order: nil,
		},
		{
			name: ".tf overridden by .tofu calls nothing for OpenTofu",
			edit: func(t *testing.T, dir string) edit {
				return edit{write: map[string]string{"modules/old/main.tf": "# x\n"}}
			},
			order: nil,
		},
		{
			name: "change outside every project",
			edit: func(t *testing.T, dir string) edit {
				return edit{write: map[string]string{"docs/README.md": "new\n", "README.md": "x\n"}}
			},
			order: nil,
		},
		{
			name: "only plumb.yaml changes",
			edit: func(t *testing.T, dir string) edit {
				y := strings.Replace(appendTo(t, dir, "plumb.yaml", ""), `version: ">= 1.8"`, `version: ">= 1.9"`, 1)
				return edit{write: map[string]string{"plumb.yaml": y}}
			},
			order: []string{"app-dev"},
			want:  map[string][]string{"app-dev": {"plumb.yaml entry changed"}},
		},
		{
			name: "rename counts at both paths",
			edit: func(t *testing.T, dir string) edit {
				return edit{rename: [][2]string{{"modules/deployable/main.tf", "tofuy/deploy.tf"}}}
			},
			order:   []string{"tofuy"},
			removed: []string{"modules/deployable"}, // its directory is gone at head
			want:    map[string][]string{"tofuy": {"renamed modules/deployable/main.tf to tofuy/deploy.tf"}},
		},
		{
			name: "project directory moved with its plumb.yaml entry",
			edit: func(t *testing.T, dir string) edit {
				y := strings.Replace(appendTo(t, dir, "plumb.yaml", ""), "dir: envs/dev/app\n", "dir: envs/dev/web\n", 1)
				return edit{rename: [][2]string{{"envs/dev/app", "envs/dev/web"}}, write: map[string]string{"plumb.yaml": y}}
			},
			order: []string{"app-dev"},
			want:  map[string][]string{"app-dev": {"renamed envs/dev/app/main.tf to envs/dev/web/main.tf", "plumb.yaml entry changed"}},
		},
		{
			name:    "deleted project",
			edit:    func(t *testing.T, dir string) edit { return edit{remove: []string{"modules/deployable"}} },
			order:   nil,
			removed: []string{"modules/deployable"},
		},
		{
			name: "deleted configured project with its plumb.yaml entry",
			edit: func(t *testing.T, dir string) edit {
				y := strings.Replace(appendTo(t, dir, "plumb.yaml", ""), "  - name: app-prod\n    dir: envs/prod/app\n    environment: prod\n    depends_on: [network-prod]\n", "  - name: app-prod-off\n    dir: tofuy\n    workspace: off\n", 1)
				return edit{remove: []string{"envs/prod/app"}, write: map[string]string{"plumb.yaml": y}}
			},
			order:   []string{"app-prod-off"},
			removed: []string{"app-prod"},
			want:    map[string][]string{"app-prod-off": {"added to plumb.yaml"}},
		},
		{
			name:  "deleted module its caller still names",
			edit:  func(t *testing.T, dir string) edit { return edit{remove: []string{"modules/app"}} },
			order: []string{"app-dev", "app-prod"},
			want:  map[string][]string{"app-dev": {"calls modules/app (deleted modules/app/main.tf)"}},
		},
		{
			name: "broken HCL is still affected",
			edit: func(t *testing.T, dir string) edit {
				return edit{write: map[string]string{"broken/main.tf": "resource {{{\n"}}
			},
			order: []string{"broken"},
			want:  map[string][]string{"broken": {"modified broken/main.tf"}},
		},
		{
			name: "new project",
			edit: func(t *testing.T, dir string) edit {
				return edit{write: map[string]string{"envs/qa/main.tf": "module \"a\" {\n  source = \"../../modules/app\"\n}\n"}}
			},
			order: []string{"envs/qa"},
			want:  map[string][]string{"envs/qa": {"added envs/qa/main.tf", "newly discovered"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := fixtureRepo(t, "mono")
			tt.edit(t, dir).apply(t, dir)
			commit(t, dir, "head")
			got := affected(t, dir, "HEAD~1", "HEAD")
			var order, removed []string
			reasons := map[string][]string{}
			for _, a := range got.Projects {
				order = append(order, a.Project.Name)
				reasons[a.Project.Name] = a.Reasons
			}
			for _, p := range got.Removed {
				removed = append(removed, p.Name)
			}
			if d := cmp.Diff(tt.order, order); d != "" {
				t.Errorf("affected (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tt.removed, removed); d != "" {
				t.Errorf("removed (-want +got):\n%s", d)
			}
			for name, want := range tt.want {
				if d := cmp.Diff(want, reasons[name]); d != "" {
					t.Errorf("reasons of %s (-want +got):\n%s", name, d)
				}
			}
		})
	}
}

func affected(t *testing.T, dir, base, head string) plumb.Change {
	t.Helper()
	repo, err := vcs.OpenRepo(dir)
	if err != nil {
		t.Fatal(err)
	}
	changes, err := repo.Changed(context.Background(), base, head)
	if err != nil {
		t.Fatal(err)
	}
	fc := make([]planner.FileChange, len(changes))
	for i, c := range changes {
		fc[i] = planner.FileChange(c)
	}
	l := planner.NewLoader()
	bt, _, err := repo.Tree(base)
	if err != nil {
		t.Fatal(err)
	}
	ht, _, err := repo.Tree(head)
	if err != nil {
		t.Fatal(err)
	}
	bi, _ := l.Load(bt)
	hi, err := l.Load(ht)
	if err != nil {
		t.Fatalf("load head: %v", err)
	}
	ch, err := planner.Affected(bi, hi, fc)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}
