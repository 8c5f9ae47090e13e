package planner

import (
	"container/heap"
	"sort"
	"strings"

	"github.com/plumbhq/plumb"
)

// Order sorts projects into apply order: every project after the projects
// it depends on, then by environment promotion order (projects with no
// listed environment last), then by name and workspace. Dependencies on
// projects not in the list are ignored. A cycle is an EINVALID error that
// prints the cycle.
func Order(projects []plumb.Project, environments []string) ([]plumb.Project, error) {
	rank := map[string]int{}
	for i, e := range environments {
		rank[e] = i
	}
	less := func(a, b plumb.Project) bool {
		ra, oka := rank[a.Environment]
		rb, okb := rank[b.Environment]
		if !oka {
			ra = len(environments)
		}
		if !okb {
			rb = len(environments)
		}
		if ra != rb {
			return ra < rb
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.Workspace < b.Workspace
	}
	byName := map[string][]int{}
	for i, p := range projects {
		byName[p.Name] = append(byName[p.Name], i)
	}
	indeg := make([]int, len(projects))
	next := make([][]int, len(projects))
	for i, p := range projects {
		for _, d := range p.DependsOn {
			for _, j := range byName[d] {
				if j != i {
					next[j] = append(next[j], i)
					indeg[i]++
				}
			}
		}
	}
	q := &projectHeap{less: less, all: projects}
	for i := range projects {
		if indeg[i] == 0 {
			q.idx = append(q.idx, i)
		}
	}
	heap.Init(q)
	out := make([]plumb.Project, 0, len(projects))
	for q.Len() > 0 {
		i := heap.Pop(q).(int)
		out = append(out, projects[i])
		for _, j := range next[i] {
			if indeg[j]--; indeg[j] == 0 {
				heap.Push(q, j)
			}
		}
	}
	if len(out) < len(projects) {
		cyc := findCycle(projects)
		return nil, plumb.Errorf(plumb.EINVALID, "depends_on cycle: %s; remove one of these dependencies", strings.Join(cyc, " -> "))
	}
	return out, nil
}

type projectHeap struct {
	idx  []int
	all  []plumb.Project
	less func(a, b plumb.Project) bool
}

func (h *projectHeap) Len() int           { return len(h.idx) }
func (h *projectHeap) Less(i, j int) bool { return h.less(h.all[h.idx[i]], h.all[h.idx[j]]) }
func (h *projectHeap) Swap(i, j int)      { h.idx[i], h.idx[j] = h.idx[j], h.idx[i] }
func (h *projectHeap) Push(x any)         { h.idx = append(h.idx, x.(int)) }
func (h *projectHeap) Pop() any {
	x := h.idx[len(h.idx)-1]
	h.idx = h.idx[:len(h.idx)-1]
	return x
}

// findCycle returns one depends_on cycle by name, first name repeated at the
// end ("a -> b -> a"), starting from the smallest name in it; nil if none.
func findCycle(projects []plumb.Project) []string {
	deps := map[string][]string{}
	for _, p := range projects {
		deps[p.Name] = append(deps[p.Name], p.DependsOn...)
	}
	names := sortedKeys(deps)
	const (
		white = iota
		grey
		black
	)
	color := map[string]int{}
	var stack []string
	var cycle []string
	var visit func(n string) bool
	visit = func(n string) bool {
		color[n] = grey
		stack = append(stack, n)
		ds := append([]string(nil), deps[n]...)
		sort.Strings(ds)
		for _, d := range ds {
			if _, ok := deps[d]; !ok {
				continue
			}
			switch color[d] {
			case grey:
				for i, s := range stack {
					if s == d {
						cycle = append(append([]string(nil), stack[i:]...), d)
						return true
					}
				}
			case white:
				if visit(d) {
					return true
				}
			}
		}
		stack = stack[:len(stack)-1]
		color[n] = black
		return false
	}
	for _, n := range names {
		if color[n] == white && visit(n) {
			return rotate(cycle)
		}
	}
	return nil
}

// rotate starts a cycle at its smallest name so the message is stable.
func rotate(cyc []string) []string {
	body := cyc[:len(cyc)-1]
	m := 0
	for i, s := range body {
		if s < body[m] {
			m = i
		}
	}
	out := append(append([]string(nil), body[m:]...), body[:m]...)
	return append(out, out[0])
}
