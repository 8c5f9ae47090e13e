package planner_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/planner"
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

func readFixture(t *testing.T, fixture, p string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "planner", fixture, p))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
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
		name      string
		before    *edit // committed on top of the fixture first: the base
		edit      func(t *testing.T, dir string) edit
		want      map[string][]string // project → reasons, checked in apply order
		order     []string
		removed   []string
		unplanned []plumb.Unplanned
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
			order:     nil,
			unplanned: []plumb.Unplanned{{Dir: "modules/unused", Files: []string{"modules/unused/main.tf"}, Reason: "module modules/unused is called by no project"}},
		},
		{
			name: ".tf overridden by .tofu calls nothing for OpenTofu",
			edit: func(t *testing.T, dir string) edit {
				return edit{write: map[string]string{"modules/old/main.tf": "# x\n"}}
			},
			order: nil,
			unplanned: []plumb.Unplanned{{Dir: "modules/old", Files: []string{"modules/old/main.tf"},
				Reason: "module modules/old is called by no project: tofuy calls it only from files tofu does not read"}},
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
		{
			name: "a project's own file its when_modified skips is left to it",
			edit: func(t *testing.T, dir string) edit {
				return edit{write: map[string]string{"envs/prod/app/prod.tfvars": "a = 1\n", "envs/dev/app/vars/dev.tfvars": "a = 1\n"}}
			},
			order: []string{"app-dev"},
			want:  map[string][]string{"app-dev": {"added envs/dev/app/vars/dev.tfvars"}},
		},
		{
			name: "a Terraform file outside every project that a when_modified glob plans",
			before: &edit{write: map[string]string{"plumb.yaml": strings.Replace(readFixture(t, "mono", "plumb.yaml"),
				`"../../../shared/**/*.yaml"`, `"../../../shared/**"`, 1)}},
			edit: func(t *testing.T, dir string) edit {
				return edit{write: map[string]string{"shared/common.auto.tfvars": "a = 1\n"}}
			},
			order: []string{"app-prod"},
			want:  map[string][]string{"app-prod": {"added shared/common.auto.tfvars"}},
		},
		{
			name: "ignored directory: modified, its lock file added",
			edit: func(t *testing.T, dir string) edit {
				return edit{write: map[string]string{
					"examples/basic/main.tf":             appendTo(t, dir, "examples/basic/main.tf", "# x\n"),
					"examples/basic/.terraform.lock.hcl": "# lock\n",
					"examples/basic/README.md":           "not a Terraform file\n",
				}}
			},
			unplanned: []plumb.Unplanned{{Dir: "examples/basic", Files: []string{"examples/basic/.terraform.lock.hcl", "examples/basic/main.tf"},
				Reason: `examples/basic is ignored by autodiscover.ignore "examples/**" in plumb.yaml`}},
		},
		{
			name: "ignored directory deleted",
			edit: func(t *testing.T, dir string) edit { return edit{remove: []string{"examples/basic"}} },
			unplanned: []plumb.Unplanned{{Dir: "examples/basic", Files: []string{"examples/basic/main.tf"},
				Reason: `examples/basic is ignored by autodiscover.ignore "examples/**" in plumb.yaml`}},
		},
		{
			name: "uncalled module deleted, renamed within",
			edit: func(t *testing.T, dir string) edit {
				return edit{remove: []string{"modules/unused"}, rename: [][2]string{{"modules/old/main.tf", "modules/old/old.tf"}}}
			},
			unplanned: []plumb.Unplanned{
				{Dir: "modules/old", Files: []string{"modules/old/main.tf", "modules/old/old.tf"},
					Reason: "module modules/old is called by no project: tofuy calls it only from files tofu does not read"},
				{Dir: "modules/unused", Files: []string{"modules/unused/main.tf"}, Reason: "module modules/unused is called by no project"},
			},
		},
		{
			name: "stray variable file with no configuration above it",
			edit: func(t *testing.T, dir string) edit {
				return edit{write: map[string]string{"docs/example.tfvars": "a = 1\n"}}
			},
			unplanned: []plumb.Unplanned{{Dir: "docs", Files: []string{"docs/example.tfvars"},
				Reason: "docs has no .tf or .tofu files at or above it, and no project's when_modified matches"}},
		},
		{
			name:   "module called only by a non-project",
			before: &edit{write: map[string]string{"modules/ex/main.tf": "variable \"x\" {}\n", "examples/basic/ex.tf": "module \"ex\" {\n  source = \"../../modules/ex\"\n}\n"}},
			edit: func(t *testing.T, dir string) edit {
				return edit{write: map[string]string{"modules/ex/main.tf": "variable \"y\" {}\n"}}
			},
			unplanned: []plumb.Unplanned{{Dir: "modules/ex", Files: []string{"modules/ex/main.tf"},
				Reason: "module modules/ex is called by no project, only by examples/basic"}},
		},
		{
			name:   "module called only by a project removed in the change",
			before: &edit{write: map[string]string{"modules/solo/main.tf": "variable \"x\" {}\n", "solo/main.tf": "module \"s\" {\n  source = \"../modules/solo\"\n}\n"}},
			edit: func(t *testing.T, dir string) edit {
				return edit{remove: []string{"solo"}, write: map[string]string{"modules/solo/main.tf": "variable \"y\" {}\n"}}
			},
			removed: []string{"solo"},
			unplanned: []plumb.Unplanned{{Dir: "modules/solo", Files: []string{"modules/solo/main.tf"},
				Reason: "module modules/solo was called only by solo, removed in this change"}},
		},
		{
			name:   "module its only project stopped calling",
			before: &edit{write: map[string]string{"modules/solo/main.tf": "variable \"x\" {}\n", "solo/main.tf": "module \"s\" {\n  source = \"../modules/solo\"\n}\n"}},
			edit: func(t *testing.T, dir string) edit {
				return edit{write: map[string]string{"solo/main.tf": "# calls nothing\n", "modules/solo/main.tf": "variable \"y\" {}\n"}}
			},
			order: []string{"solo"},
			want:  map[string][]string{"solo": {"modified solo/main.tf"}},
			unplanned: []plumb.Unplanned{{Dir: "modules/solo", Files: []string{"modules/solo/main.tf"},
				Reason: "module modules/solo is no longer called by any project (before this change: solo)"}},
		},
		{
			name: "root module with autodiscover off",
			before: &edit{write: map[string]string{"plumb.yaml": "version: 1\nautodiscover: {enabled: false}\n" +
				"projects:\n  - name: network-dev\n    dir: envs/dev/network\n"}},
			edit: func(t *testing.T, dir string) edit {
				return edit{write: map[string]string{"tofuy/main.tofu": appendTo(t, dir, "tofuy/main.tofu", "# x\n")}}
			},
			unplanned: []plumb.Unplanned{{Dir: "tofuy", Files: []string{"tofuy/main.tofu"},
				Reason: "tofuy is not listed in plumb.yaml and autodiscover is off"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := fixtureRepo(t, "mono")
			if tt.before != nil {
				tt.before.apply(t, dir)
				commit(t, dir, "base")
			}
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
			if d := cmp.Diff(tt.unplanned, got.Unplanned, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("unplanned (-want +got):\n%s", d)
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
	l := planner.NewLoader()
	bi, _ := l.Load(commitTree(t, dir, base))
	hi, err := l.Load(commitTree(t, dir, head))
	if err != nil {
		t.Fatalf("load head: %v", err)
	}
	ch, err := planner.Affected(bi, hi, changed(t, dir, base, head))
	if err != nil {
		t.Fatal(err)
	}
	return ch
}
