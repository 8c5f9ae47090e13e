package runner

import (
	"strings"
	"testing"

	"github.com/hashicorp/go-version"

	"github.com/plumbhq/plumb"
)

func TestSelectEngine(t *testing.T) {
	bin := func(e plumb.Engine, v string) EngineBinary {
		return EngineBinary{Engine: e, Version: version.Must(version.NewVersion(v)), Path: "/bin/" + string(e) + "_" + v}
	}
	bins := []EngineBinary{bin("tofu", "1.8.5"), bin("tofu", "1.10.6"), bin("terraform", "1.5.7")}
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
		got, err := SelectEngine(bins, c.engine, c.constraint)
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
	if _, err := SelectEngine(nil, "tofu", ""); err == nil || !strings.Contains(err.Error(), "make tools") {
		t.Errorf("no binaries: %v, want a hint to run make tools", err)
	}
}

// Only engines whose init locks the shared plugin cache may init
// concurrently without plumb's own lock.
func TestLocksPluginCache(t *testing.T) {
	for _, c := range []struct {
		engine plumb.Engine
		v      string
		want   bool
	}{
		{"tofu", "1.10.6", true},
		{"tofu", "1.10.5", true},
		{"tofu", "1.11.0-beta1", true},
		{"tofu", "1.10.4", false},
		{"tofu", "1.8.5", false},
		{"terraform", "1.11.4", false},
		{"terraform", "1.5.7", false},
	} {
		bin := EngineBinary{Engine: c.engine, Version: version.Must(version.NewVersion(c.v))}
		if got := locksPluginCache(bin); got != c.want {
			t.Errorf("%s %s: locksPluginCache = %v, want %v", c.engine, c.v, got, c.want)
		}
	}
}
