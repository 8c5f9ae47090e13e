package engine

import (
	"strings"
	"testing"

	"github.com/hashicorp/go-version"

	"github.com/plumbhq/plumb"
)

func TestSelectEngine(t *testing.T) {
	bin := func(e plumb.Engine, v string) Binary {
		return Binary{Engine: e, Version: version.Must(version.NewVersion(v)), Path: "/bin/" + string(e) + "_" + v}
	}
	bins := []Binary{bin("tofu", "1.8.5"), bin("tofu", "1.10.6"), bin("terraform", "1.5.7")}
	cases := []struct {
		engine     plumb.Engine
		constraint string
		want       string // version, or "error: <substring>"
	}{
		{"tofu", "", "1.10.6"},
		{"tofu", ">= 1.8", "1.10.6"},
		{"tofu", "~> 1.8.0", "1.8.5"},
		{"terraform", "1.5.7", "1.5.7"},
		{"tofu", ">= 1.11", "error: no installed tofu satisfies \">= 1.11\"; installed: 1.8.5"},
		{"terraform", ">= 1.6", "error: installed: 1.5.7"},
		{"tofu", "not a constraint", "error: version constraint"},
	}
	for _, c := range cases {
		got, err := Select(bins, c.engine, c.constraint)
		if want, ok := strings.CutPrefix(c.want, "error: "); ok {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s %q: err %v, want it to contain %q", c.engine, c.constraint, err, want)
			}
			continue
		}
		if err != nil || got.VersionString() != c.want {
			t.Errorf("%s %q: got %v %v, want %s", c.engine, c.constraint, got.Version, err, c.want)
		}
	}
	if _, err := Select(nil, "tofu", ""); err == nil || !strings.Contains(err.Error(), "make tools") {
		t.Errorf("no binaries: %v, want a hint to run make tools", err)
	}
}
