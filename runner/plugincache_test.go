package runner

import (
	"testing"

	"github.com/hashicorp/go-version"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/engine"
)

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
		bin := engine.Binary{Engine: c.engine, Version: version.Must(version.NewVersion(c.v))}
		if got := locksPluginCache(bin); got != c.want {
			t.Errorf("%s %s: locksPluginCache = %v, want %v", c.engine, c.v, got, c.want)
		}
	}
}
