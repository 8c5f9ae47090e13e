package planner

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/plumbhq/plumb"
)

func TestParseConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string // each a substring of one error, in order
	}{
		{"empty", "", []string{"plumb.yaml:1:1: empty file"}},
		{"bad yaml", "version: 1\nprojects: [\n", []string{"plumb.yaml:2:1: did not find expected node content"}},
		{"missing version", "projects: []\n", []string{"plumb.yaml:1:1: missing property 'version'"}},
		{"wrong version", "version: 2\n", []string{"plumb.yaml:1:10: version: value must be 1"}},
		{"unknown key with suggestion", "version: 1\nprojects:\n  - dir: a\n    worspace: x\n",
			[]string{`plumb.yaml:4:5: projects[0].worspace: unknown key (did you mean "workspace"?)`}},
		{"unknown top-level key", "version: 1\nenviroments: [dev]\n",
			[]string{`plumb.yaml:2:1: enviroments: unknown key (did you mean "environments"?)`}},
		{"errors are collected", "version: 1\nprojects:\n  - dir: a\n    engine: tf\n  - dir: b\n    autoplan: maybe\n    drift: {enabled: true, shedule: x}\n",
			[]string{"plumb.yaml:4:13: projects[0].engine: value must be one of", "plumb.yaml:6:15: projects[1].autoplan: got string, want boolean", `plumb.yaml:7:28: projects[1].drift.shedule: unknown key (did you mean "schedule"?)`}},
		{"missing dir", "version: 1\nprojects:\n  - name: a\n", []string{"plumb.yaml:3:5: projects[0]: missing property 'dir'"}},
		{"depends_on unknown", "version: 1\nprojects:\n  - {name: network, dir: n}\n  - {name: app, dir: a, depends_on: [netwrk]}\n",
			[]string{`plumb.yaml:4:38: projects[1].depends_on[0]: no project named "netwrk" (did you mean "network"?)`}},
		{"cycle", "version: 1\nprojects:\n  - {name: c, dir: c, depends_on: [a]}\n  - {name: a, dir: a, depends_on: [b]}\n  - {name: b, dir: b, depends_on: [c]}\n",
			[]string{"projects[1].depends_on: depends_on cycle: a -> b -> c -> a"}},
		{"self dependency", "version: 1\nprojects:\n  - {name: a, dir: a, depends_on: [a]}\n", []string{`depends on itself`}},
		{"duplicate name", "version: 1\nprojects:\n  - {name: a, dir: a}\n  - {name: a, dir: b}\n", []string{`projects[1].name: duplicate project name "a"`}},
		{"duplicate dir and workspace", "version: 1\nprojects:\n  - {name: a, dir: a}\n  - {name: b, dir: a/}\n", []string{`projects[1].dir: dir "a" with workspace "default" is already projects[0]`}},
		{"dir outside repo", "version: 1\nprojects:\n  - {dir: ../x}\n", []string{`must be a relative path inside the repository`}},
		{"bad glob", "version: 1\nprojects:\n  - {dir: a, when_modified: [\"[\"]}\n", []string{`projects[0].when_modified[0]: invalid glob "["`}},
		{"unknown environment", "version: 1\nenvironments: [dev, prod]\nprojects:\n  - {dir: a, environment: prd}\n", []string{`environment "prd" is not in environments (did you mean "prod"?)`}},
		{"bad ignore glob", "version: 1\nautodiscover: {ignore: [\"a/[\"]}\n", []string{`autodiscover.ignore[0]: invalid glob`}},
		{"unknown apply requirements", "version: 1\nprojects:\n  - dir: a\n    apply_requirements: [aproved, mergeable, undivergd, lgtm]\n",
			[]string{`plumb.yaml:4:26: projects[0].apply_requirements[0]: value must be one of 'approved', 'mergeable', 'undiverged' (did you mean "approved"?)`,
				`plumb.yaml:4:46: projects[0].apply_requirements[2]: value must be one of 'approved', 'mergeable', 'undiverged' (did you mean "undiverged"?)`,
				`plumb.yaml:4:57: projects[0].apply_requirements[3]: value must be one of 'approved', 'mergeable', 'undiverged'`}},
		{"no suggestion for a short unrelated value", "version: 1\nprojects:\n  - {dir: a, engine: tf}\n",
			[]string{`projects[0].engine: value must be one of 'tofu', 'terraform'`}},
		{"apply_on_push is a boolean", "version: 1\nprojects:\n  - {dir: a, apply_on_push: yes}\n",
			[]string{`plumb.yaml:3:29: projects[0].apply_on_push: got string, want boolean`}},
		{"bad drift schedule", "version: 1\nprojects:\n  - {dir: a, drift: {schedule: \"0 * *\"}}\n",
			[]string{`plumb.yaml:3:32: projects[0].drift.schedule: schedule "0 * *": expected exactly 5 fields`}},
		{"bad remediate", "version: 1\nprojects:\n  - {dir: a, drift: {remediate: yes}}\n",
			[]string{`projects[0].drift.remediate: value must be one of 'off', 'out_of_band', 'all'`}},
		{"alias bomb", "version: 1\na: &a [1,1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n",
			[]string{"too large"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, errs := ParseConfig("plumb.yaml", []byte(tt.yaml))
			if cfg != nil {
				t.Fatalf("ParseConfig returned a config with errors %v", errs)
			}
			if len(errs) != len(tt.want) {
				t.Fatalf("got %d errors, want %d:\n%v", len(errs), len(tt.want), errs)
			}
			for i, w := range tt.want {
				if !strings.Contains(errs[i].Error(), w) {
					t.Errorf("error %d = %q, want it to contain %q", i, errs[i].Error(), w)
				}
				// A suggestion is made only where the table expects one.
				if strings.Contains(errs[i].Error(), "did you mean") && !strings.Contains(w, "did you mean") {
					t.Errorf("error %d = %q suggests a name; want no suggestion", i, errs[i].Error())
				}
			}
		})
	}
}

func TestParseConfigDefaults(t *testing.T) {
	cfg, errs := ParseConfig("plumb.yaml", []byte(`version: 1
environments: [dev, prod]
projects:
  - dir: envs/dev/app/
    environment: dev
  - name: custom
    dir: x
    workspace: blue
    engine: terraform
    version: "~> 1.5"
    when_modified: ["*.tf", "../shared/**"]
    depends_on: [envs/dev/app]
    autoplan: false
    apply_requirements: [approved]
    apply_on_push: true
    workflow: strict
    drift: {enabled: false, schedule: "0 * * * *", remediate: out_of_band}
`))
	if errs != nil {
		t.Fatal(errs)
	}
	want := []plumb.Project{
		{Name: "envs/dev/app", Dir: "envs/dev/app", Workspace: "default", Engine: "tofu", WhenModified: DefaultWhenModified,
			Environment: "dev", Autoplan: true, Drift: plumb.DriftConfig{Enabled: true}, Modules: []string{}},
		{Name: "custom", Dir: "x", Workspace: "blue", Engine: "terraform", Version: "~> 1.5", WhenModified: []string{"*.tf", "../shared/**"},
			DependsOn: []string{"envs/dev/app"}, ApplyRequirements: []string{"approved"}, ApplyOnPush: true, Workflow: "strict",
			Drift: plumb.DriftConfig{Schedule: "0 * * * *", Remediate: plumb.RemediateOutOfBand}, Modules: []string{}},
	}
	if d := cmp.Diff(want, cfg.Projects); d != "" {
		t.Errorf("projects (-want +got):\n%s", d)
	}
	if cfg.Autodiscover {
		t.Error("autodiscover is on with projects listed; want off")
	}
}

func FuzzParseConfig(f *testing.F) {
	for _, s := range []string{
		"", "version: 1\n", "version: 1\nprojects:\n  - dir: a\n    depends_on: [b]\n  - {name: b, dir: b, depends_on: [a]}\n",
		"version: 1\nautodiscover: {enabled: true, ignore: ['**/x']}\nenvironments: [a, b]\n",
		"version: 1\nprojects: [{dir: a, when_modified: ['../**/*.tf'], drift: {enabled: yes}}]\n",
		"version: 1\nprojects: [{dir: a, apply_on_push: true, apply_requirements: [aproved, mergeable]}]\n",
		"a: &a [*a]\n", "version: 1\nprojects: {dir: a}\n", "- [\n", "version: 0x1\nprojects: [~]\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, errs := ParseConfig("plumb.yaml", data)
		if (cfg == nil) == (errs == nil) {
			t.Fatalf("want exactly one of config and errors, got %v and %v", cfg, errs)
		}
		for _, e := range errs {
			if e.Message == "" {
				t.Fatalf("error without a message: %+v", e)
			}
		}
	})
}
