package runfiles

import (
	"strings"
	"testing"

	"github.com/hashicorp/go-version"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/engine"
)

// A saved plan goes only to the engine and exact version that made it;
// a plan that does not say which made it goes to none.
func TestPlanMetaEngineDiffers(t *testing.T) {
	bin := func(e plumb.Engine, v string) engine.Binary {
		return engine.Binary{Engine: e, Version: version.Must(version.NewVersion(v)), Path: "/bin/" + string(e)}
	}
	made := Meta{RunID: "p1", Engine: plumb.EngineTofu, EngineVersion: "1.10.6"}
	cases := []struct {
		meta Meta
		bin  engine.Binary
		want string // "" when usable, else part of the reason
	}{
		{made, bin(plumb.EngineTofu, "1.10.6"), ""},
		{made, bin(plumb.EngineTofu, "1.12.6"), "plan p1 was made with tofu 1.10.6, and this apply would run tofu 1.12.6 (/bin/tofu)"},
		{made, bin(plumb.EngineTofu, "1.10.7"), "would run tofu 1.10.7"},
		{made, bin(plumb.EngineTerraform, "1.10.6"), "would run terraform 1.10.6"},
		{Meta{RunID: "p0"}, bin(plumb.EngineTofu, "1.10.6"), "does not record the engine version"},
	}
	for _, c := range cases {
		got := c.meta.EngineDiffers(c.bin)
		if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("%+v applied by %s %s: %q, want %q", c.meta, c.bin.Engine, c.bin.Version, got, c.want)
		}
	}
}
