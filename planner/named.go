package planner

import (
	"sort"
	"strings"

	"github.com/plumbhq/plumb"
)

// WithNamed adds to a change's affected projects the named ones it did
// not affect, keeping apply order from all; each added one gets the
// reason "named with -p" in reasons.
func WithNamed(affected, all []plumb.Project, names []string, reasons map[string][]string) []plumb.Project {
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	have := map[string]bool{}
	for _, p := range affected {
		have[p.Name] = true
	}
	var out []plumb.Project
	for _, p := range all {
		if have[p.Name] || want[p.Name] {
			if !have[p.Name] {
				reasons[p.Name] = []string{"named with -p"}
			}
			out = append(out, p)
		}
	}
	return out
}

// OnlyNamed keeps the named projects (all of them without names), in
// their order in projects. An unknown name is EINVALID, listing the known
// ones.
func OnlyNamed(projects []plumb.Project, names []string) ([]plumb.Project, error) {
	if len(names) == 0 {
		return projects, nil
	}
	byName := map[string]bool{}
	for _, n := range names {
		byName[n] = true
	}
	var out []plumb.Project
	for _, p := range projects {
		if byName[p.Name] {
			out = append(out, p)
			delete(byName, p.Name)
		}
	}
	if len(byName) > 0 {
		var unknown, known []string
		for n := range byName {
			unknown = append(unknown, n)
		}
		for _, p := range projects {
			known = append(known, p.Name)
		}
		sort.Strings(unknown)
		return nil, plumb.Errorf(plumb.EINVALID, "no project named %s here; projects: %s (see plumb projects)",
			strings.Join(unknown, ", "), strings.Join(known, ", "))
	}
	return out, nil
}
