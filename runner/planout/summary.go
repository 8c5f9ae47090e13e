package planout

import (
	"reflect"
	"regexp"
	"slices"
	"strings"

	tfjson "github.com/hashicorp/terraform-json"

	"github.com/plumbhq/plumb"
)

// summarize counts a plan's changes the way the engine's own "Plan:" line
// does (a replacement is one add and one destroy) and also counts
// replacements and imports on their own.
func Summarize(p *tfjson.Plan) (plumb.PlanSummary, []plumb.ResourceChange) {
	var s plumb.PlanSummary
	resources := []plumb.ResourceChange{}
	for _, rc := range p.ResourceChanges {
		if rc == nil || rc.Change == nil {
			continue
		}
		a := rc.Change.Actions
		imported := rc.Change.Importing != nil
		if imported {
			s.Import++
		}
		switch {
		case a.Replace():
			s.Replace++
			s.Add++
			s.Destroy++
		case a.Create():
			s.Add++
		case a.Update():
			s.Change++
		case a.Delete():
			s.Destroy++
		case a.NoOp() || a.Read():
			if !imported {
				continue
			}
		}
		acts := make([]string, 0, len(a))
		for _, x := range a {
			acts = append(acts, string(x))
		}
		resources = append(resources, plumb.ResourceChange{Address: rc.Address, Actions: acts, Attributes: changedAttributes(rc.Change, a)})
	}
	slices.SortStableFunc(resources, compareChanges)
	return s, resources
}

// changedAttributes names the top-level attributes an update or a
// replacement changes: those whose value differs between before and after,
// or that become known only on apply. Only names leave here, never values.
func changedAttributes(c *tfjson.Change, a tfjson.Actions) []string {
	if !a.Update() && !a.Replace() {
		return nil
	}
	before, _ := c.Before.(map[string]any)
	after, _ := c.After.(map[string]any)
	unknown, _ := c.AfterUnknown.(map[string]any)
	var out []string
	for k, v := range after {
		if bv, ok := before[k]; !ok || !reflect.DeepEqual(bv, v) {
			out = append(out, k)
		}
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			out = append(out, k)
		}
	}
	for k, v := range unknown {
		if v == true && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// refreshNoise matches the per-resource progress lines that bury a plan.
var refreshNoise = regexp.MustCompile(`^\S.*: (Refreshing state\.\.\.|Reading\.\.\.|Read complete after|Still reading\.\.\.)`)

// TrimText drops refresh progress, the footer about the saved plan
// file (a path in plumb's data dir, useless to readers) and blank edges.
func TrimText(text string) string {
	if i := strings.Index(text, "\nSaved the plan to:"); i >= 0 {
		text = strings.TrimRight(text[:i], "\n─ ")
	}
	lines := strings.Split(text, "\n")
	out := lines[:0]
	for _, l := range lines {
		if refreshNoise.MatchString(l) {
			continue
		}
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n")) + "\n"
}
