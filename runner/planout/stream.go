package planout

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/plumbhq/plumb"
)

// Stream is what OpenTofu's machine-readable events (`plan -json-into`)
// say about a plan. The events name each planned change's address and
// action but carry no values, so they are a complete reading only when no
// change needs more: Complete is false when one does (an update's changed
// attributes, a replacement's order, an action without a plain mapping, an
// event stream that disagrees with its own summary), and the caller reads
// the plan document instead. When Complete, Summary, Resources and Drifted
// are exactly what Summarize and the document's resource_drift give.
type Stream struct {
	Summary   plumb.PlanSummary
	Resources []plumb.ResourceChange
	Drifted   int // resources changed outside the engine (resource_drift)
	Complete  bool
	Why       string // what made it incomplete, for the run log
}

type event struct {
	Type   string `json:"type"`
	Change *struct {
		Resource struct {
			Addr string `json:"addr"`
		} `json:"resource"`
		Action    string          `json:"action"`
		Importing json.RawMessage `json:"importing"`
	} `json:"change"`
	Changes *struct {
		Add, Change, Import, Remove, Forget int
	} `json:"changes"`
}

// ReadStream reads the events of one plan. An error means the stream is
// not a plan's events at all (broken JSON); an incomplete reading is not an
// error.
func ReadStream(r io.Reader) (Stream, error) {
	s := Stream{Resources: []plumb.ResourceChange{}, Complete: true}
	incomplete := func(why string) {
		if s.Complete {
			s.Complete, s.Why = false, why
		}
	}
	var summary *struct{ Add, Change, Import, Remove, Forget int }
	seen := map[string]bool{}
	dec := json.NewDecoder(r)
	for {
		var ev event
		if err := dec.Decode(&ev); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return Stream{}, fmt.Errorf("plan events: %w", err)
		}
		switch ev.Type {
		case "resource_drift":
			s.Drifted++
		case "change_summary":
			summary = ev.Changes
		case "planned_change":
			if ev.Change == nil {
				incomplete("a planned_change event without its change")
				continue
			}
			c := ev.Change
			addr := c.Resource.Addr
			if seen[addr] {
				// A deposed object shares its address with the current one;
				// only the document tells them apart.
				incomplete(addr + " changes twice (a deposed object)")
			}
			seen[addr] = true
			imported := len(c.Importing) > 0 && string(c.Importing) != "null"
			if imported {
				s.Summary.Import++
			}
			var actions []string
			switch c.Action {
			case "create":
				s.Summary.Add++
				actions = []string{"create"}
			case "delete":
				s.Summary.Destroy++
				actions = []string{"delete"}
			case "noop", "move", "read":
				if !imported {
					continue // no change to list, as in Summarize
				}
				if c.Action != "noop" {
					incomplete(addr + " is imported and " + c.Action)
					continue
				}
				actions = []string{"no-op"}
			default: // update and replace need attributes or order; forget, remove, …
				incomplete(addr + ": " + c.Action)
				continue
			}
			s.Resources = append(s.Resources, plumb.ResourceChange{Address: addr, Actions: actions})
		}
	}
	switch {
	case summary == nil:
		incomplete("no change_summary event")
	case summary.Add != s.Summary.Add || summary.Change != 0 || summary.Remove != s.Summary.Destroy ||
		summary.Import != s.Summary.Import || summary.Forget != 0:
		incomplete(fmt.Sprintf("the events' summary (%+v) disagrees with their changes", *summary))
	}
	slices.SortStableFunc(s.Resources, compareChanges)
	return s, nil
}

func compareChanges(a, b plumb.ResourceChange) int {
	switch {
	case addressLess(a.Address, b.Address):
		return -1
	case addressLess(b.Address, a.Address):
		return 1
	}
	return 0
}
