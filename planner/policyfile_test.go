package planner

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParsePolicySets(t *testing.T) {
	sets, err := ParsePolicySets("/etc/plumb/policies.yaml", []byte(`policies:
  - dirs: [./base/]
  - name: prod
    dirs: [prod]
    data: [data/prod.json]
    namespaces: [main]
    environments: [prod]
    projects: ["app-*"]
`))
	if err != nil {
		t.Fatal(err)
	}
	want := []PolicySet{
		{Name: "base", Dirs: []string{"base"}},
		{Name: "prod", Dirs: []string{"prod"}, Data: []string{"data/prod.json"}, Namespaces: []string{"main"},
			Environments: []string{"prod"}, Projects: []string{"app-*"}},
	}
	if d := cmp.Diff(want, sets); d != "" {
		t.Errorf("sets (-want +got):\n%s", d)
	}
}

func TestParsePolicySetsErrors(t *testing.T) {
	for name, tt := range map[string]struct{ yaml, want string }{
		"top key":     {"version: 1\npolicies:\n  - dirs: [p]\n", `p.yaml:1:1: version: unknown key; allowed: policies`},
		"typo":        {"policy:\n  - dirs: [p]\n", `p.yaml:1:1: policy: unknown key (did you mean "policies"?)`},
		"set key":     {"policies:\n  - dirs: [p]\n    namespace: [main]\n", `p.yaml:3:5: policies[0].namespace: unknown key (did you mean "namespaces"?)`},
		"no dirs":     {"policies:\n  - name: x\n", "p.yaml:2:5: policies[0]: missing property 'dirs'"},
		"bad glob":    {"policies:\n  - {dirs: [p], projects: [\"[\"]}\n", `p.yaml:2:28: policies[0].projects[0]: invalid glob "["`},
		"outside":     {"policies:\n  - dirs: [../p]\n", `policies[0].dirs[0]: "../p" is not a path inside the directory of p.yaml`},
		"not mapping": {"- dirs: [p]\n", "p.yaml:1:1: want a mapping with the key policies"},
		"empty":       {"", "p.yaml:1:1: empty file"},
	} {
		_, err := ParsePolicySets("p.yaml", []byte(tt.yaml))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", name, err, tt.want)
		}
	}
}
