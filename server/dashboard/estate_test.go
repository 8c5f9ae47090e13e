package dashboard

import (
	"testing"

	"github.com/plumbhq/plumb"
)

func TestFamily(t *testing.T) {
	t.Parallel()
	envs := []string{"dev", "staging", "prod"}
	for _, tc := range []struct {
		p    plumb.Project
		want string
	}{
		{plumb.Project{Name: "app-dev", Dir: "envs/dev/app", Environment: "dev"}, "app"},
		{plumb.Project{Name: "network-prod", Dir: "envs/prod/network", Environment: "prod"}, "network"},
		{plumb.Project{Name: "prod_db_main", Dir: "x", Environment: "prod"}, "db-main"},
		{plumb.Project{Name: "billing", Dir: "envs/staging/billing", Environment: "staging"}, "envs/*/billing"},
		{plumb.Project{Name: "dev", Dir: "dev", Environment: "dev"}, "*"},
		{plumb.Project{Name: "tools", Dir: "tools"}, "tools"},
		{plumb.Project{Name: "odd", Dir: "somewhere", Environment: "prod"}, "odd"},
	} {
		if got := Family(tc.p, envs); got != tc.want {
			t.Errorf("Family(%s) = %q, want %q", tc.p.Name, got, tc.want)
		}
	}
}

func TestColumns(t *testing.T) {
	t.Parallel()
	repos := []plumb.RepoLayout{
		{Repo: "a/one", Environments: []string{"dev", "prod"}, Projects: []plumb.Project{{Name: "x", Environment: "qa"}}},
		{Repo: "a/two", Environments: []string{"staging", "prod"}, Projects: []plumb.Project{{Name: "y"}}},
	}
	got := columns(repos, []string{"a/one", "a/two"})
	want := []string{"dev", "prod", "qa", "staging", ""}
	if len(got) != len(want) {
		t.Fatalf("columns = %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("columns = %q, want %q", got, want)
		}
	}
}
