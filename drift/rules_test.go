package drift_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	tfjson "github.com/hashicorp/terraform-json"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/drift"
)

// js decodes a JSON literal the way terraform-json does (numbers as
// float64), so cases read like the engine's own output.
func js(s string) any {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		panic(s + ": " + err.Error())
	}
	return v
}

// res is a managed resource instance's change at type.name[...].
func res(addr string, actions []tfjson.Action, c tfjson.Change) *tfjson.ResourceChange {
	c.Actions = actions
	r := &tfjson.ResourceChange{Address: addr, Mode: tfjson.ManagedResourceMode, Change: &c}
	r.Type, r.Name, _ = strings.Cut(strings.SplitN(addr, "[", 2)[0], ".")
	return r
}

// inModule puts r inside the module instance at module.
func inModule(module string, r *tfjson.ResourceChange) *tfjson.ResourceChange {
	r.ModuleAddress, r.Address = module, module+"."+r.Address
	return r
}

var (
	create  = []tfjson.Action{tfjson.ActionCreate}
	update  = []tfjson.Action{tfjson.ActionUpdate}
	del     = []tfjson.Action{tfjson.ActionDelete}
	noop    = []tfjson.Action{tfjson.ActionNoop}
	read    = []tfjson.Action{tfjson.ActionRead}
	replace = []tfjson.Action{tfjson.ActionDelete, tfjson.ActionCreate}
)

// config is a plan configuration naming which attributes the root
// module's resources set.
func config(resources map[string][]string) *tfjson.Config {
	m := &tfjson.ConfigModule{}
	for addr, attrs := range resources {
		typ, name, _ := strings.Cut(addr, ".")
		ex := map[string]*tfjson.Expression{}
		for _, a := range attrs {
			ex[a] = &tfjson.Expression{}
		}
		m.Resources = append(m.Resources, &tfjson.ConfigResource{Address: addr, Mode: tfjson.ManagedResourceMode, Type: typ, Name: name, Expressions: ex})
	}
	return &tfjson.Config{RootModule: m}
}

func TestDriftRules(t *testing.T) {
	applied := js(`{"id":"1","content":"a","tags":{"env":"dev","team":"x"},"etag":"e1"}`)
	outside := js(`{"id":"1","content":"b","tags":{"env":"prod","team":"x"},"etag":"e2"}`)
	cfg := config(map[string][]string{"x_thing.t": {"content", "tags"}})
	cases := []struct {
		name string
		plan tfjson.Plan
		want []plumb.DriftFinding
	}{
		{"empty plan is clean", tfjson.Plan{}, nil},
		{"no-op, read and data sources are not findings", tfjson.Plan{
			ResourceChanges: []*tfjson.ResourceChange{
				res("x_thing.t", noop, tfjson.Change{Before: applied, After: applied}),
				res("x_thing.r", read, tfjson.Change{After: applied}),
				{Address: "data.x_thing.d", Mode: tfjson.DataResourceMode, Change: &tfjson.Change{Actions: create}},
			},
			ResourceDrift: []*tfjson.ResourceChange{
				{Address: "data.x_thing.d", Mode: tfjson.DataResourceMode, Change: &tfjson.Change{Actions: update, Before: applied, After: outside}},
			},
		}, nil},
		{"update outside, config accepts it", tfjson.Plan{
			ResourceDrift:   []*tfjson.ResourceChange{res("x_thing.t", update, tfjson.Change{Before: applied, After: outside})},
			ResourceChanges: []*tfjson.ResourceChange{res("x_thing.t", noop, tfjson.Change{Before: outside, After: outside})},
		}, []plumb.DriftFinding{oob("x_thing.t", "update", "content", "etag", "tags.env")}},
		{"update outside, plan sets it back: out of band only", tfjson.Plan{
			Config:        cfg,
			ResourceDrift: []*tfjson.ResourceChange{res("x_thing.t", update, tfjson.Change{Before: applied, After: outside})},
			ResourceChanges: []*tfjson.ResourceChange{res("x_thing.t", update, tfjson.Change{Before: outside,
				// etag is computed: the provider keeps the new one.
				After: js(`{"id":"1","content":"a","tags":{"env":"dev","team":"x"},"etag":"e2"}`)})},
		}, []plumb.DriftFinding{oob("x_thing.t", "update", "content", "etag", "tags.env")}},
		{"update outside, plan sets it back and changes more", tfjson.Plan{
			Config:        cfg,
			ResourceDrift: []*tfjson.ResourceChange{res("x_thing.t", update, tfjson.Change{Before: applied, After: outside})},
			ResourceChanges: []*tfjson.ResourceChange{res("x_thing.t", update, tfjson.Change{Before: outside,
				After: js(`{"id":"1","content":"a","tags":{"env":"dev","team":"y"},"etag":"e2"}`)})},
		}, []plumb.DriftFinding{oob("x_thing.t", "update", "content", "etag", "tags.env"), pend("x_thing.t", "update", "tags.team")}},
		{"update outside, config moved on to a third value", tfjson.Plan{
			Config:        cfg,
			ResourceDrift: []*tfjson.ResourceChange{res("x_thing.t", update, tfjson.Change{Before: applied, After: outside})},
			ResourceChanges: []*tfjson.ResourceChange{res("x_thing.t", update, tfjson.Change{Before: outside,
				After: js(`{"id":"1","content":"c","tags":{"env":"dev","team":"x"},"etag":"e2"}`)})},
		}, []plumb.DriftFinding{oob("x_thing.t", "update", "content", "etag", "tags.env"), pend("x_thing.t", "update", "content")}},
		{"without the configuration, a computed value counts (never hide a change)", tfjson.Plan{
			ResourceDrift: []*tfjson.ResourceChange{res("x_thing.t", update, tfjson.Change{Before: applied, After: outside})},
			ResourceChanges: []*tfjson.ResourceChange{res("x_thing.t", update, tfjson.Change{Before: outside,
				After: js(`{"id":"1","content":"a","tags":{"env":"dev","team":"x"},"etag":"e2"}`)})},
		}, []plumb.DriftFinding{oob("x_thing.t", "update", "content", "etag", "tags.env"), pend("x_thing.t", "update", "etag")}},
		{"update outside forcing a replacement that restores it", tfjson.Plan{
			Config:        cfg,
			ResourceDrift: []*tfjson.ResourceChange{res("x_thing.t", update, tfjson.Change{Before: applied, After: outside})},
			ResourceChanges: []*tfjson.ResourceChange{res("x_thing.t", replace, tfjson.Change{Before: outside,
				After:        js(`{"content":"a","tags":{"env":"dev","team":"x"}}`),
				AfterUnknown: js(`{"id":true,"etag":true}`), ReplacePaths: []any{[]any{"content"}}})},
		}, []plumb.DriftFinding{oob("x_thing.t", "update", "content", "etag", "tags.env")}},
		{"update outside, and the config replaces it for its own reasons", tfjson.Plan{
			Config:        cfg,
			ResourceDrift: []*tfjson.ResourceChange{res("x_thing.t", update, tfjson.Change{Before: applied, After: outside})},
			ResourceChanges: []*tfjson.ResourceChange{res("x_thing.t", replace, tfjson.Change{Before: outside,
				After:        js(`{"content":"new","tags":{"env":"dev","team":"x"}}`),
				AfterUnknown: js(`{"id":true,"etag":true}`), ReplacePaths: []any{[]any{"content"}}})},
		}, []plumb.DriftFinding{oob("x_thing.t", "update", "content", "etag", "tags.env"), pend("x_thing.t", "replace", "content")}},
		{"update outside, and the config removes the resource", tfjson.Plan{
			ResourceDrift:   []*tfjson.ResourceChange{res("x_thing.t", update, tfjson.Change{Before: applied, After: outside})},
			ResourceChanges: []*tfjson.ResourceChange{res("x_thing.t", del, tfjson.Change{Before: outside})},
		}, []plumb.DriftFinding{oob("x_thing.t", "update", "content", "etag", "tags.env"), pend("x_thing.t", "delete")}},
		{"deleted outside, config removed it too", tfjson.Plan{
			ResourceDrift: []*tfjson.ResourceChange{res("x_thing.t", del, tfjson.Change{Before: applied})},
		}, []plumb.DriftFinding{oob("x_thing.t", "delete")}},
		{"deleted outside, restored with a config attribute made null", tfjson.Plan{
			Config:        config(map[string][]string{"x_thing.t": {"content"}}),
			ResourceDrift: []*tfjson.ResourceChange{res("x_thing.t", del, tfjson.Change{Before: applied})},
			ResourceChanges: []*tfjson.ResourceChange{res("x_thing.t", create, tfjson.Change{
				After: js(`{"content":"a","tags":null}`), AfterUnknown: js(`{"id":true,"etag":true}`)})},
		}, []plumb.DriftFinding{oob("x_thing.t", "delete"), pend("x_thing.t", "update", "tags.env", "tags.team")}},
		{"no drift: update lists known and unknown changes", tfjson.Plan{
			ResourceChanges: []*tfjson.ResourceChange{res("x_thing.t", update, tfjson.Change{Before: applied,
				After:        js(`{"id":"1","content":null,"tags":{"env":"dev","team":"x"},"etag":"e1"}`),
				AfterUnknown: js(`{"content":true}`)})},
		}, []plumb.DriftFinding{pend("x_thing.t", "update", "content")}},
		{"no drift: a sensitivity change alone is an update", tfjson.Plan{
			ResourceChanges: []*tfjson.ResourceChange{res("x_thing.t", update, tfjson.Change{Before: applied, After: applied,
				AfterSensitive: js(`{"content":true}`)})},
		}, []plumb.DriftFinding{pend("x_thing.t", "update", "content")}},
		{"no drift: replace lists configured changes and replace_paths", tfjson.Plan{
			Config: cfg,
			ResourceChanges: []*tfjson.ResourceChange{res("x_thing.t", replace, tfjson.Change{Before: applied,
				After:        js(`{"content":"a","tags":{"env":"dev","team":"x"},"etag":"e9"}`),
				AfterUnknown: js(`{"id":true}`), ReplacePaths: []any{[]any{"tags", "team"}, []any{"zone"}}})},
		}, []plumb.DriftFinding{pend("x_thing.t", "replace", "tags.team", "zone")}},
		{"tainted: a replace with nothing changed", tfjson.Plan{
			ResourceChanges: []*tfjson.ResourceChange{res("x_thing.t", replace, tfjson.Change{Before: applied,
				After: js(`{"content":"a","tags":{"env":"dev","team":"x"}}`), AfterUnknown: js(`{"id":true,"etag":true}`)})},
		}, []plumb.DriftFinding{pend("x_thing.t", "replace")}},
		{"import, import with update, forget", tfjson.Plan{
			ResourceChanges: []*tfjson.ResourceChange{
				res("x_thing.i", noop, tfjson.Change{Before: applied, After: applied, Importing: &tfjson.Importing{ID: "1"}}),
				res("x_thing.j", update, tfjson.Change{Before: applied, After: outside, Importing: &tfjson.Importing{ID: "1"}}),
				res("x_thing.f", []tfjson.Action{tfjson.ActionForget}, tfjson.Change{Before: applied}),
			},
		}, []plumb.DriftFinding{pend("x_thing.f", "forget"), pend("x_thing.i", "import"), pend("x_thing.j", "update", "content", "etag", "tags.env")}},
		{"a move alone is not a finding; drift follows the move", tfjson.Plan{
			Config:        config(map[string][]string{"x_thing.new": {"content", "tags"}, "x_thing.moved": {"content"}}),
			ResourceDrift: []*tfjson.ResourceChange{res("x_thing.old", update, tfjson.Change{Before: applied, After: outside})},
			ResourceChanges: []*tfjson.ResourceChange{
				withPrev(res("x_thing.new", update, tfjson.Change{Before: outside, After: js(`{"id":"1","content":"a","tags":{"env":"dev","team":"x"},"etag":"e2"}`)}), "x_thing.old"),
				withPrev(res("x_thing.moved", noop, tfjson.Change{Before: applied, After: applied}), "x_thing.was"),
			},
		}, []plumb.DriftFinding{oob("x_thing.old", "update", "content", "etag", "tags.env")}},
		{"deposed objects keep their own address", tfjson.Plan{
			ResourceChanges: []*tfjson.ResourceChange{deposed(res("x_thing.t", del, tfjson.Change{Before: applied}), "abcd1234")},
		}, []plumb.DriftFinding{pend("x_thing.t (deposed object abcd1234)", "delete")}},
		{"an action list it does not know is reported verbatim", tfjson.Plan{
			ResourceChanges: []*tfjson.ResourceChange{res("x_thing.t", []tfjson.Action{tfjson.ActionCreate, tfjson.ActionForget}, tfjson.Change{After: applied})},
		}, []plumb.DriftFinding{pend("x_thing.t", "create+forget")}},
		{"inside modules the configuration is the module's", tfjson.Plan{
			Config: &tfjson.Config{RootModule: &tfjson.ConfigModule{ModuleCalls: map[string]*tfjson.ModuleCall{
				"app": {Module: &tfjson.ConfigModule{ModuleCalls: map[string]*tfjson.ModuleCall{
					"db": {Module: config(map[string][]string{"x_thing.t": {"content"}}).RootModule}}}}}}},
			ResourceDrift: []*tfjson.ResourceChange{inModule(`module.app["a.b"].module.db[0]`, res("x_thing.t", update, tfjson.Change{Before: applied, After: outside}))},
			ResourceChanges: []*tfjson.ResourceChange{inModule(`module.app["a.b"].module.db[0]`, res("x_thing.t", update, tfjson.Change{Before: outside,
				// etag is not configured in the module: it only follows.
				After: js(`{"id":"1","content":"a","tags":{"env":"prod","team":"x"},"etag":"e2"}`)}))},
		}, []plumb.DriftFinding{oob(`module.app["a.b"].module.db[0].x_thing.t`, "update", "content", "etag", "tags.env")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := drift.Classify(&tc.plan, nil)
			want := plumb.DriftResult{Status: drift.Status(tc.want), Resources: nonNilFindings(tc.want)}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Classify (-want +got):\n%s", diff)
			}
		})
	}
}

func withPrev(r *tfjson.ResourceChange, prev string) *tfjson.ResourceChange {
	r.PreviousAddress = prev
	return r
}

func deposed(r *tfjson.ResourceChange, key string) *tfjson.ResourceChange {
	r.DeposedKey = key
	return r
}

func nonNilFindings(f []plumb.DriftFinding) []plumb.DriftFinding {
	if f == nil {
		return []plumb.DriftFinding{}
	}
	return f
}

// Out-of-band attribute paths: nested keys, lists, odd map keys, and
// sensitive values, whose keys never show.
func TestDriftOutOfBandPaths(t *testing.T) {
	cases := []struct {
		name                                 string
		before, after, beforeSens, afterSens string
		want                                 []string
	}{
		{"nested map key", `{"tags":{"env":"dev"}}`, `{"tags":{"env":"prod"}}`, `{}`, `{}`, []string{"tags.env"}},
		{"key added outside", `{"tags":{"env":"dev"}}`, `{"tags":{"env":"dev","owner":"me"}}`, `{}`, `{}`, []string{"tags.owner"}},
		{"odd map key", `{"labels":{"app.kubernetes.io/name":"a"}}`, `{"labels":{"app.kubernetes.io/name":"b"}}`, `{}`, `{}`, []string{`labels["app.kubernetes.io/name"]`}},
		{"list element", `{"rule":[{"port":80},{"port":443}]}`, `{"rule":[{"port":80},{"port":8443}]}`, `{}`, `{}`, []string{"rule[1].port"}},
		{"list length", `{"rule":[{"port":80}]}`, `{"rule":[{"port":80},{"port":443}]}`, `{}`, `{}`, []string{"rule"}},
		{"sensitive value", `{"password":"a","name":"n"}`, `{"password":"b","name":"n"}`, `{"password":true}`, `{"password":true}`, []string{"password"}},
		{"sensitive map: keys stay hidden", `{"env":{"K1":"a"}}`, `{"env":{"K2":"a"}}`, `{"env":true}`, `{"env":true}`, []string{"env"}},
		{"sensitive list element", `{"keys":["a","b"]}`, `{"keys":["a","c"]}`, `{"keys":[false,true]}`, `{"keys":[false,true]}`, []string{"keys[1]"}},
		{"sensitivity alone is no change outside", `{"password":"a"}`, `{"password":"a"}`, `{}`, `{"password":true}`, nil},
		{"null against empty is no change", `{"tags":null,"rules":null}`, `{"tags":{},"rules":[]}`, `{}`, `{}`, nil},
		{"null against empty, sensitive", `{"env":{},"keys":null}`, `{"env":null,"keys":[]}`, `{"env":true,"keys":true}`, `{"env":true,"keys":true}`, nil},
		{"numbers by value", `{"n":1,"big":12345678901234567890123}`, `{"n":1.0,"big":12345678901234567890123}`, `{}`, `{}`, nil},
		{"big numbers differ", `{"big":12345678901234567890123}`, `{"big":12345678901234567890124}`, `{}`, `{}`, []string{"big"}},
		{"type change", `{"v":"1"}`, `{"v":1}`, `{}`, `{}`, []string{"v"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc := `{"format_version":"1.2","resource_drift":[{"address":"x_thing.t","mode":"managed","type":"x_thing","name":"t",
				"change":{"actions":["update"],"before":` + tc.before + `,"after":` + tc.after +
				`,"before_sensitive":` + tc.beforeSens + `,"after_sensitive":` + tc.afterSens + `}}]}`
			got := drift.ClassifyJSON([]byte(doc), nil)
			var want []plumb.DriftFinding
			if tc.want != nil {
				want = []plumb.DriftFinding{oob("x_thing.t", "update", tc.want...)}
			}
			if diff := cmp.Diff(nonNilFindings(want), got.Resources); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}

// Any failure is error with its message, never clean, whatever the plan.
func TestDriftErrors(t *testing.T) {
	f := false
	withChanges := &tfjson.Plan{ResourceChanges: []*tfjson.ResourceChange{res("x_thing.t", create, tfjson.Change{After: js(`{}`)})}}
	cases := []struct {
		name string
		got  plumb.DriftResult
		want string
	}{
		{"init failed", drift.Classify(nil, errors.New("tofu init: provider plumbhq/nosuch not found")), "tofu init: provider plumbhq/nosuch not found"},
		{"error wins over a plan", drift.Classify(withChanges, errors.New("tofu plan: exit 1")), "tofu plan: exit 1"},
		{"error with no message", drift.Classify(&tfjson.Plan{}, errors.New("")), "drift: the check failed with no message"},
		{"no plan", drift.Classify(nil, nil), "drift: no plan to classify"},
		{"incomplete plan", drift.Classify(&tfjson.Plan{Complete: &f}, nil), "drift: the plan is incomplete (0 deferred changes): drift cannot be told"},
		{"JSON with an error", drift.ClassifyJSON([]byte(`{"format_version":"1.2"}`), errors.New("tofu show: exit 1")), "tofu show: exit 1"},
		{"not JSON", drift.ClassifyJSON([]byte(`Error: no state`), nil), "drift: read plan JSON: invalid character 'E' looking for beginning of value"},
		{"empty", drift.ClassifyJSON(nil, nil), "drift: read plan JSON: unexpected end of JSON input"},
		{"no format version", drift.ClassifyJSON([]byte(`{}`), nil), "drift: read plan JSON: unexpected plan input, format version is missing"},
		{"future format", drift.ClassifyJSON([]byte(`{"format_version":"2.0"}`), nil), `drift: read plan JSON: unsupported plan format version: "2.0.0" does not satisfy ">= 0.1, < 2.0"`},
		{"errored plan", drift.ClassifyJSON([]byte(`{"format_version":"1.2","errored":true}`), nil), "drift: the engine marked the plan errored"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := plumb.DriftResult{Status: plumb.DriftError, Resources: []plumb.DriftFinding{}, Error: tc.want}
			if diff := cmp.Diff(want, tc.got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// Acknowledged findings stay listed but count toward no status.
func TestDriftStatus(t *testing.T) {
	ack := &plumb.DriftAck{By: "alice", Reason: "known", Until: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)}
	acked := func(f plumb.DriftFinding) plumb.DriftFinding { f.Acknowledged = ack; return f }
	o, p := oob("a.b", "delete"), pend("c.d", "create")
	cases := []struct {
		findings []plumb.DriftFinding
		want     plumb.DriftStatus
	}{
		{nil, plumb.DriftClean},
		{[]plumb.DriftFinding{o}, plumb.DriftDrifted},
		{[]plumb.DriftFinding{p}, plumb.DriftPendingOnly},
		{[]plumb.DriftFinding{o, p}, plumb.DriftDriftedPending},
		{[]plumb.DriftFinding{acked(o)}, plumb.DriftClean},
		{[]plumb.DriftFinding{acked(o), p}, plumb.DriftPendingOnly},
		{[]plumb.DriftFinding{acked(o), acked(p)}, plumb.DriftClean},
	}
	for _, tc := range cases {
		if got := drift.Status(tc.findings); got != tc.want {
			t.Errorf("Status(%v) = %s, want %s", tc.findings, got, tc.want)
		}
	}
}

// The JSON is the contract's: attributes [] not null, acknowledged only
// when set.
func TestDriftResultJSON(t *testing.T) {
	r := drift.Classify(&tfjson.Plan{ResourceDrift: []*tfjson.ResourceChange{res("local_file.f", del, tfjson.Change{Before: js(`{}`)})}}, nil)
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"status":"drifted","resources":[{"address":"local_file.f","kind":"out_of_band","action":"delete","attributes":[]}],"error":""}`
	if string(b) != want {
		t.Errorf("JSON = %s\nwant   %s", b, want)
	}
	r.Resources[0].Acknowledged = &plumb.DriftAck{By: "alice", Reason: "r", Until: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)}
	b, _ = json.Marshal(r.Resources[0])
	if !strings.Contains(string(b), `"acknowledged":{"by":"alice","reason":"r","until":"2026-02-01T00:00:00Z"}`) {
		t.Errorf("acknowledged finding JSON = %s", b)
	}
	b, _ = json.Marshal(drift.Classify(nil, nil))
	if !strings.Contains(string(b), `"resources":[]`) {
		t.Errorf("error result JSON = %s, want resources []", b)
	}
}
