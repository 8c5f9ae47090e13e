package runner

import (
	"regexp"
	"strings"

	tfjson "github.com/hashicorp/terraform-json"

	"github.com/plumbhq/plumb"
)

// summarize counts a plan's changes the way the engine's own "Plan:" line
// does (a replacement is one add and one destroy) and also counts
// replacements and imports on their own.
func summarize(p *tfjson.Plan) (plumb.PlanSummary, []plumb.ResourceChange) {
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
		resources = append(resources, plumb.ResourceChange{Address: rc.Address, Actions: acts})
	}
	return s, resources
}

// refreshNoise matches the per-resource progress lines that bury a plan.
var refreshNoise = regexp.MustCompile(`^\S.*: (Refreshing state\.\.\.|Reading\.\.\.|Read complete after|Still reading\.\.\.)`)

// trimPlanText drops refresh progress, the footer about the saved plan
// file (a path in plumb's data dir, useless to readers) and blank edges.
func trimPlanText(text string) string {
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
