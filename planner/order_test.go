package planner

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/plumbhq/plumb"
)

func TestOrder(t *testing.T) {
	p := func(name, env string, deps ...string) plumb.Project {
		return plumb.Project{Name: name, Environment: env, DependsOn: deps}
	}
	tests := []struct {
		name     string
		projects []plumb.Project
		envs     []string
		want     string
		err      string
	}{
		{"by name", []plumb.Project{p("b", ""), p("a", "")}, nil, "a b", ""},
		{"environment promotion first", []plumb.Project{p("a", "prod"), p("b", "dev"), p("c", ""), p("d", "staging")},
			[]string{"dev", "staging", "prod"}, "b d a c", ""},
		{"depends_on beats environment", []plumb.Project{p("app-dev", "dev", "net-prod"), p("net-prod", "prod")},
			[]string{"dev", "prod"}, "net-prod app-dev", ""},
		{"dependencies outside the list are ignored", []plumb.Project{p("a", "", "gone")}, nil, "a", ""},
		{"cycle", []plumb.Project{p("a", "", "b"), p("b", "", "c"), p("c", "", "a"), p("d", "")}, nil, "",
			"depends_on cycle: a -> b -> c -> a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Order(tt.projects, tt.envs)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || plumb.ErrorCode(err) != plumb.EINVALID {
					t.Fatalf("err = %v, want EINVALID containing %q", err, tt.err)
				}
				return
			}
			var names []string
			for _, p := range got {
				names = append(names, p.Name)
			}
			if d := cmp.Diff(tt.want, strings.Join(names, " ")); d != "" {
				t.Errorf("order (-want +got):\n%s", d)
			}
		})
	}
}
