package planout

import (
	"slices"
	"strings"
	"testing"
)

func TestAddressOrder(t *testing.T) {
	// The engine's order (addrs.AbsResourceInstance.Less), by hand.
	want := []string{
		`ephemeral.e.x`,
		`data.local_file.in`,
		`a.b`,
		`null_resource.n`,
		`null_resource.n[2]`,
		`null_resource.n[10]`,
		`null_resource.n["a"]`,
		`null_resource.n["b.c]"]`,
		`zz.a`,
		`module.a.null_resource.x`,
		`module.a[3].a.b`,
		`module.a["k"].a.b`,
		`module.b.data.t.n`,
		`module.a.module.b.a.b`,
	}
	got := slices.Clone(want)
	slices.Reverse(got)
	slices.SortStableFunc(got, func(a, b string) int {
		switch {
		case addressLess(a, b):
			return -1
		case addressLess(b, a):
			return 1
		}
		return 0
	})
	if !slices.Equal(got, want) {
		t.Errorf("order:\n got %q\nwant %q", got, want)
	}
}

const created = `{"type":"version","tofu":"1.12.6"}
{"type":"planned_change","change":{"resource":{"addr":"b.x"},"action":"create"}}
{"type":"planned_change","change":{"resource":{"addr":"a.x"},"action":"delete"}}
{"type":"planned_change","change":{"resource":{"addr":"c.x"},"action":"noop","importing":{"id":"i-1"}}}
{"type":"planned_change","change":{"resource":{"addr":"m.x"},"action":"move"}}
{"type":"resource_drift","change":{"resource":{"addr":"a.x"},"action":"update"}}
{"type":"change_summary","changes":{"add":1,"change":0,"import":1,"remove":1,"forget":0,"operation":"plan"}}
`

func TestReadStream(t *testing.T) {
	s, err := ReadStream(strings.NewReader(created))
	if err != nil || !s.Complete {
		t.Fatalf("ReadStream = %+v, %v; want complete", s, err)
	}
	if s.Summary.Add != 1 || s.Summary.Destroy != 1 || s.Summary.Import != 1 || s.Drifted != 1 {
		t.Errorf("summary %+v, drifted %d", s.Summary, s.Drifted)
	}
	var addrs []string
	for _, r := range s.Resources {
		addrs = append(addrs, r.Address+":"+strings.Join(r.Actions, "+"))
	}
	if want := []string{"a.x:delete", "b.x:create", "c.x:no-op"}; !slices.Equal(addrs, want) {
		t.Errorf("resources %v, want %v (a move alone is no change)", addrs, want)
	}
}

func TestReadStreamIncomplete(t *testing.T) {
	for name, events := range map[string]string{
		"update":     `{"type":"planned_change","change":{"resource":{"addr":"a.x"},"action":"update"}}`,
		"replace":    `{"type":"planned_change","change":{"resource":{"addr":"a.x"},"action":"replace"}}`,
		"forget":     `{"type":"planned_change","change":{"resource":{"addr":"a.x"},"action":"forget"}}`,
		"deposed":    `{"type":"planned_change","change":{"resource":{"addr":"a.x"},"action":"create"}}` + "\n" + `{"type":"planned_change","change":{"resource":{"addr":"a.x"},"action":"delete"}}`,
		"no summary": `{"type":"planned_change","change":{"resource":{"addr":"a.x"},"action":"create"}}`,
		"mismatch":   `{"type":"change_summary","changes":{"add":2}}`,
		"no change":  `{"type":"planned_change"}`,
	} {
		if !strings.Contains(events, "change_summary") && name != "no summary" {
			events += "\n" + `{"type":"change_summary","changes":{"add":1,"remove":1}}`
		}
		s, err := ReadStream(strings.NewReader(events))
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if s.Complete || s.Why == "" {
			t.Errorf("%s: complete %v (%q), want incomplete with a reason", name, s.Complete, s.Why)
		}
	}
	if _, err := ReadStream(strings.NewReader(`{"type":"version"}{broken`)); err == nil {
		t.Error("broken JSON: no error")
	}
}

func FuzzReadStream(f *testing.F) {
	f.Add(created)
	f.Add(`{"type":"planned_change","change":{"resource":{"addr":"module.a[\"x\"].b.c[1]"},"action":"create"}}`)
	f.Fuzz(func(t *testing.T, events string) {
		s, err := ReadStream(strings.NewReader(events))
		if err == nil && s.Complete && s.Why != "" {
			t.Errorf("complete with a reason %q", s.Why)
		}
	})
}

func FuzzAddressLess(f *testing.F) {
	for _, a := range []string{`module.a["k]"].data.t.n[3]`, `a.b`, `[`, `module.`, `x["\"]`} {
		f.Add(a, `a.b[2]`)
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if addressLess(a, a) {
			t.Errorf("%q < itself", a)
		}
		if addressLess(a, b) && addressLess(b, a) {
			t.Errorf("%q and %q each less than the other", a, b)
		}
	})
}
