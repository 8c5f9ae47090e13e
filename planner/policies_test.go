package planner

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/plumbhq/plumb"
)

func TestParseConfigPolicies(t *testing.T) {
	cfg, errs := ParseConfig("plumb.yaml", []byte(`version: 1
environments: [dev, prod]
policies:
  - dirs: [policy/]
  - name: prod-only
    dirs: [policy/prod, policy/lib.rego]
    data: [policy/data.json]
    namespaces: [main, prod]
    environments: [prod]
    projects: ["app-*"]
`))
	if errs != nil {
		t.Fatal(errs)
	}
	want := []PolicySet{
		{Name: "policy", Dirs: []string{"policy"}},
		{Name: "prod-only", Dirs: []string{"policy/prod", "policy/lib.rego"}, Data: []string{"policy/data.json"},
			Namespaces: []string{"main", "prod"}, Environments: []string{"prod"}, Projects: []string{"app-*"}},
	}
	if d := cmp.Diff(want, cfg.Policies); d != "" {
		t.Errorf("policies (-want +got):\n%s", d)
	}
	for _, tt := range []struct {
		p    plumb.Project
		want [2]bool
	}{
		{plumb.Project{Name: "app-prod", Environment: "prod"}, [2]bool{true, true}},
		{plumb.Project{Name: "net-prod", Environment: "prod"}, [2]bool{true, false}},
		{plumb.Project{Name: "app-dev", Environment: "dev"}, [2]bool{true, false}},
	} {
		if got := [2]bool{cfg.Policies[0].Applies(tt.p), cfg.Policies[1].Applies(tt.p)}; got != tt.want {
			t.Errorf("%s: applies %v, want %v", tt.p.Name, got, tt.want)
		}
	}
}

func TestParseConfigPolicyErrors(t *testing.T) {
	for name, tt := range map[string]struct{ yaml, want string }{
		"no dirs":     {"version: 1\npolicies:\n  - name: x\n", "plumb.yaml:3:5: policies[0]: missing property 'dirs'"},
		"outside":     {"version: 1\npolicies:\n  - dirs: [../policy]\n", `policies[0].dirs[0]: "../policy" is not a path inside the repository`},
		"bad glob":    {"version: 1\npolicies:\n  - {dirs: [p], projects: [\"[\"]}\n", `policies[0].projects[0]: invalid glob "["`},
		"unknown env": {"version: 1\nenvironments: [dev, prod]\npolicies:\n  - {dirs: [p], environments: [prd]}\n", `policies[0].environments[0]: environment "prd" is not in environments (did you mean "prod"?)`},
		"unknown key": {"version: 1\npolicies:\n  - {dirs: [p], namespace: [main]}\n", `policies[0].namespace: unknown key (did you mean "namespaces"?)`},
	} {
		_, errs := ParseConfig("plumb.yaml", []byte(tt.yaml))
		if errs == nil || !strings.Contains(errs.Error(), tt.want) {
			t.Errorf("%s: errors %v, want %q", name, errs, tt.want)
		}
	}
}
