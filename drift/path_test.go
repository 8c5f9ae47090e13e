package drift

import "testing"

func TestDriftFormatPath(t *testing.T) {
	cases := []struct {
		steps []any
		want  string
	}{
		{[]any{"content"}, "content"},
		{[]any{"tags", "env"}, "tags.env"},
		{[]any{"rule", 0, "port"}, "rule[0].port"},
		{[]any{"labels", "app.kubernetes.io/name"}, `labels["app.kubernetes.io/name"]`},
		{[]any{"m", "with space", "x"}, `m["with space"].x`},
		{[]any{"m", `q"uote`}, `m["q\"uote"]`},
		{[]any{"m", ""}, `m[""]`},
		{[]any{"m", "9lives"}, `m["9lives"]`},
		{[]any{"m", "kebab-case_ok"}, "m.kebab-case_ok"},
	}
	for _, tc := range cases {
		if got := formatPath(tc.steps); got != tc.want {
			t.Errorf("formatPath(%v) = %s, want %s", tc.steps, got, tc.want)
		}
	}
}

func TestDriftModulePath(t *testing.T) {
	cases := []struct {
		addr, want string
		ok         bool
	}{
		{"", "", true},
		{"module.a", "a", true},
		{"module.a[0]", "a", true},
		{`module.a["x.y]"].module.b`, "a.b", true},
		{`module.a["k\"q"].module.b[3]`, "a.b", true},
		{"module.", "", false},
		{"module.a.", "", false},
		{"module.a[", "", false},
		{`module.a["x`, "", false},
		{"module.a[]", "", false},
		{"mod.a", "", false},
		{"module.a[0]x", "", false},
	}
	for _, tc := range cases {
		got, ok := modulePath(tc.addr)
		if got != tc.want || ok != tc.ok {
			t.Errorf("modulePath(%q) = %q, %v; want %q, %v", tc.addr, got, ok, tc.want, tc.ok)
		}
	}
}

func TestDriftWithin(t *testing.T) {
	for _, tc := range []struct {
		a, p string
		want bool
	}{
		{"triggers", "triggers", true},
		{"triggers.token", "triggers", true},
		{"rule[0]", "rule", true},
		{"triggersx", "triggers", false},
		{"tags", "tags.env", false},
	} {
		if got := within(tc.a, tc.p); got != tc.want {
			t.Errorf("within(%q, %q) = %v, want %v", tc.a, tc.p, got, tc.want)
		}
	}
}
