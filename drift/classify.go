package drift

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	tfjson "github.com/hashicorp/terraform-json"

	"github.com/plumbhq/plumb"
)

// Actions a finding can carry besides the contract's create, update, delete
// and replace: both change only the state.
const (
	ActionImport = "import" // an import block not yet applied
	ActionForget = "forget" // a removed block (destroy = false) not yet applied
)

// ClassifyJSON is Classify of a `tofu show -json PLAN` (or terraform)
// document. A document that does not parse, an unsupported format version
// or a plan the engine marked errored is status error.
func ClassifyJSON(planJSON []byte, err error) plumb.DriftResult {
	if err != nil {
		return failed(err.Error())
	}
	var p tfjson.Plan
	p.UseJSONNumber(true) // numbers compare exactly, whatever their size
	if err := json.Unmarshal(planJSON, &p); err != nil {
		return failed("drift: read plan JSON: " + err.Error())
	}
	var status struct {
		Errored bool `json:"errored"`
	}
	if json.Unmarshal(planJSON, &status) == nil && status.Errored {
		return failed("drift: the engine marked the plan errored")
	}
	return Classify(&p, nil)
}

// Classify tells one project's drift from its plan (the engine's `show
// -json` of a normal plan, refresh included) and err, the error of init,
// plan or show if any: err, or no plan, is status error with the message,
// never clean. Findings are sorted by address, out_of_band before pending;
// see the package documentation for the rules.
func Classify(plan *tfjson.Plan, err error) plumb.DriftResult {
	switch {
	case err != nil:
		return failed(err.Error())
	case plan == nil:
		return failed("drift: no plan to classify")
	case plan.Complete != nil && !*plan.Complete:
		return failed(fmt.Sprintf("drift: the plan is incomplete (%d deferred changes): drift cannot be told", len(plan.DeferredChanges)))
	}
	x := &planIndex{cfg: indexConfig(plan.Config), restored: map[string]bool{}, changed: map[string]bool{}}
	drifted := map[string]*tfjson.ResourceChange{}
	findings := []plumb.DriftFinding{}
	for _, d := range plan.ResourceDrift {
		if !managed(d) {
			continue
		}
		drifted[key(d.Address, d.DeposedKey)] = d
		if f, ok := outOfBand(d); ok {
			findings = append(findings, f)
			x.restored[d.Address] = true
		}
	}
	for _, rc := range plan.ResourceChanges {
		if managed(rc) && rc.Change != nil && !rc.Change.Actions.NoOp() {
			x.changed[rc.Address] = true
		}
	}
	for _, rc := range plan.ResourceChanges {
		if !managed(rc) {
			continue
		}
		d := drifted[key(rc.Address, rc.DeposedKey)]
		if d == nil && rc.PreviousAddress != "" {
			d = drifted[key(rc.PreviousAddress, rc.DeposedKey)]
		}
		if f, ok := x.pending(rc, d); ok {
			findings = append(findings, f)
		}
	}
	slices.SortStableFunc(findings, func(a, b plumb.DriftFinding) int {
		if c := strings.Compare(a.Address, b.Address); c != 0 {
			return c
		}
		return strings.Compare(string(a.Kind), string(b.Kind)) // out_of_band < pending
	})
	return plumb.DriftResult{Status: Status(findings), Resources: findings}
}

// Status sums findings up, leaving out acknowledged ones: a project whose
// only findings are acknowledged is clean.
func Status(findings []plumb.DriftFinding) plumb.DriftStatus {
	var outside, pend bool
	for _, f := range findings {
		if f.Acknowledged != nil {
			continue
		}
		switch f.Kind {
		case plumb.DriftOutOfBand:
			outside = true
		case plumb.DriftPending:
			pend = true
		}
	}
	switch {
	case outside && pend:
		return plumb.DriftDriftedPending
	case outside:
		return plumb.DriftDrifted
	case pend:
		return plumb.DriftPendingOnly
	}
	return plumb.DriftClean
}

func failed(msg string) plumb.DriftResult {
	if msg == "" {
		msg = "drift: the check failed with no message"
	}
	return plumb.DriftResult{Status: plumb.DriftError, Resources: []plumb.DriftFinding{}, Error: msg}
}

func managed(rc *tfjson.ResourceChange) bool {
	return rc != nil && rc.Change != nil && rc.Mode != tfjson.DataResourceMode
}

func key(address, deposed string) string { return address + "\x00" + deposed }

func finding(rc *tfjson.ResourceChange, kind plumb.DriftKind, action string, attrs []string) plumb.DriftFinding {
	addr := rc.Address
	if rc.DeposedKey != "" {
		addr += " (deposed object " + rc.DeposedKey + ")"
	}
	if attrs == nil {
		attrs = []string{}
	}
	return plumb.DriftFinding{Address: addr, Kind: kind, Action: action, Attributes: attrs}
}

// outOfBand reads one resource_drift entry: the object is gone, or these
// attributes changed outside. Sensitivity alone is not a change outside.
func outOfBand(d *tfjson.ResourceChange) (plumb.DriftFinding, bool) {
	c := d.Change
	if c.Actions.Delete() || (c.After == nil && c.Before != nil) {
		return finding(d, plumb.DriftOutOfBand, string(tfjson.ActionDelete), nil), true
	}
	if c.Before == nil {
		return plumb.DriftFinding{}, false
	}
	attrs := paths(compare(c.Before, c.After, c.BeforeSensitive, c.AfterSensitive, nil, false), nil)
	if len(attrs) == 0 {
		return plumb.DriftFinding{}, false
	}
	return finding(d, plumb.DriftOutOfBand, string(tfjson.ActionUpdate), attrs), true
}

// pending reads one resource_changes entry, given the resource_drift entry
// of the same object (nil when nothing changed outside).
func (x *planIndex) pending(rc *tfjson.ResourceChange, d *tfjson.ResourceChange) (plumb.DriftFinding, bool) {
	cfg := x.cfg
	c := rc.Change
	acts := c.Actions
	switch {
	case acts.NoOp() && c.Importing != nil:
		return finding(rc, plumb.DriftPending, ActionImport, nil), true
	case acts.NoOp(), acts.Read(), len(acts) == 0:
		return plumb.DriftFinding{}, false // a move alone changes only the state's bookkeeping
	case acts.Forget():
		return finding(rc, plumb.DriftPending, ActionForget, nil), true
	case acts.Delete():
		return finding(rc, plumb.DriftPending, string(tfjson.ActionDelete), nil), true
	case !acts.Create() && !acts.Update() && !acts.Replace():
		// An action list this package does not know: reported verbatim,
		// never dropped.
		words := make([]string, len(acts))
		for i, a := range acts {
			words[i] = string(a)
		}
		return finding(rc, plumb.DriftPending, strings.Join(words, "+"), nil), true
	}
	if d != nil && d.Change.Before != nil {
		return undone(rc, d, cfg)
	}
	switch {
	case acts.Create():
		return finding(rc, plumb.DriftPending, string(tfjson.ActionCreate), nil), true
	}
	diffs := compare(c.Before, c.After, c.BeforeSensitive, c.AfterSensitive, c.AfterUnknown, true)
	if x.knockOn(rc, diffs) {
		return plumb.DriftFinding{}, false
	}
	if acts.Update() {
		return finding(rc, plumb.DriftPending, string(tfjson.ActionUpdate), paths(diffs, nil)), true
	}
	attrs := paths(diffs, func(df diff) bool { return !df.unknown && (df.null || cfg.sets(rc, df.top)) })
	return finding(rc, plumb.DriftPending, "replace", withReplacePaths(attrs, c.ReplacePaths)), true
}

// undone is what remains of a planned create, update or replace of an
// object that changed outside once the part that only restores the object
// as last applied is taken away: the attributes the configuration sets (or
// makes null) whose planned, known value differs from that object. Values
// the provider computes or that are unknown follow from the restore.
func undone(rc, d *tfjson.ResourceChange, cfg configured) (plumb.DriftFinding, bool) {
	c := rc.Change
	diffs := compare(d.Change.Before, c.After, d.Change.BeforeSensitive, c.AfterSensitive, c.AfterUnknown, true)
	attrs := paths(diffs, func(df diff) bool { return !df.unknown && (df.null || cfg.sets(rc, df.top)) })
	if len(attrs) == 0 {
		return plumb.DriftFinding{}, false
	}
	if c.Actions.Replace() {
		return finding(rc, plumb.DriftPending, "replace", attrs), true
	}
	return finding(rc, plumb.DriftPending, string(tfjson.ActionUpdate), attrs), true
}

func paths(diffs []diff, keep func(diff) bool) []string {
	out := []string{}
	for _, df := range diffs {
		if keep == nil || keep(df) {
			out = append(out, df.path)
		}
	}
	return out
}

// withReplacePaths adds the engine's replace_paths not already covered by
// a listed path or one beneath it.
func withReplacePaths(attrs []string, replace []any) []string {
	for _, rp := range replace {
		steps, ok := replacePath(rp)
		if !ok {
			continue
		}
		p := formatPath(steps)
		if !slices.ContainsFunc(attrs, func(a string) bool { return within(a, p) }) {
			attrs = append(attrs, p)
		}
	}
	return attrs
}

// within says whether path a is p or beneath it.
func within(a, p string) bool {
	rest, ok := strings.CutPrefix(a, p)
	return ok && (rest == "" || rest[0] == '.' || rest[0] == '[')
}
