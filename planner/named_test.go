package planner

import (
	"slices"
	"strings"
	"testing"

	"github.com/plumbhq/plumb"
)

func names(ps []plumb.Project) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

func TestOnlyNamed(t *testing.T) {
	all := []plumb.Project{{Name: "net"}, {Name: "app"}, {Name: "db"}}
	got, err := OnlyNamed(all, []string{"db", "net"})
	if err != nil || !slices.Equal(names(got), []string{"net", "db"}) { // apply order, not the names'
		t.Errorf("OnlyNamed = %v, %v", names(got), err)
	}
	if got, _ := OnlyNamed(all, nil); len(got) != 3 {
		t.Errorf("no names kept %v, want all", names(got))
	}
	_, err = OnlyNamed(all, []string{"nope", "app"})
	if plumb.ErrorCode(err) != plumb.EINVALID || !strings.Contains(err.Error(), "no project named nope here; projects: net, app, db") {
		t.Errorf("unknown name: %v", err)
	}
}

func TestWithNamed(t *testing.T) {
	all := []plumb.Project{{Name: "net"}, {Name: "app"}, {Name: "db"}}
	reasons := map[string][]string{"db": {"file"}}
	got := WithNamed([]plumb.Project{{Name: "db"}}, all, []string{"net"}, reasons)
	if !slices.Equal(names(got), []string{"net", "db"}) || !slices.Equal(reasons["net"], []string{"named with -p"}) || reasons["db"][0] != "file" {
		t.Errorf("WithNamed = %v, reasons %v", names(got), reasons)
	}
}
