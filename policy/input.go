package policy

import (
	"bytes"
	"context"
	"encoding/json"

	"github.com/plumbhq/plumb"
)

// ParseJSON decodes a document as conftest's JSON parser does: a leading
// UTF-8 byte order mark is dropped and numbers become float64.
func ParseJSON(name string, b []byte) (any, error) {
	b = bytes.TrimPrefix(b, []byte{0xef, 0xbb, 0xbf})
	var doc any
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, plumb.Errorf(plumb.EINVALID, "policy: %s: not JSON: %w", name, err)
	}
	return doc, nil
}

// Input is the input of a run's policies: the plan's `show -json` document
// as it is, plus input.plumb. The plan must be a JSON object (every
// engine's is).
func Input(plan []byte, in plumb.PolicyInput) (map[string]any, error) {
	doc, err := ParseJSON("plan", plan)
	if err != nil {
		return nil, err
	}
	obj, ok := doc.(map[string]any)
	if !ok {
		return nil, plumb.Errorf(plumb.EINVALID, "policy: plan: want a JSON object (the engine's show -json), got %T", doc)
	}
	in.FormatVersion = plumb.PolicyInputVersion
	if in.Approvers == nil {
		in.Approvers = []string{}
	}
	if in.ChangedFiles == nil {
		in.ChangedFiles = []string{}
	}
	// Through JSON, so policies see exactly the documented field names and
	// the same value types as the rest of input.
	b, err := json.Marshal(in)
	if err != nil {
		return nil, plumb.Errorf(plumb.EINTERNAL, "policy: input.plumb: %w", err)
	}
	var p any
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, plumb.Errorf(plumb.EINTERNAL, "policy: input.plumb: %w", err)
	}
	obj["plumb"] = p
	return obj, nil
}

// Evaluate checks one run's plan in each namespace (nil: main) and sums the
// results up as the run's policy outcome. name is what data.conftest.file
// shows policies, e.g. the project's plan file.
func (s *Set) Evaluate(ctx context.Context, name string, plan []byte, in plumb.PolicyInput, namespaces []string) (plumb.PolicyOutcome, error) {
	doc, err := Input(plan, in)
	if err != nil {
		return plumb.PolicyOutcome{}, err
	}
	if len(namespaces) == 0 {
		namespaces = []string{"main"}
	}
	var results []CheckResult
	for _, ns := range namespaces {
		r, err := s.Check(ctx, name, doc, ns)
		if err != nil {
			return plumb.PolicyOutcome{}, err
		}
		results = append(results, r)
	}
	return Outcome(results), nil
}

// Outcome sums results up as a run's policy field: failures are deny,
// warnings warn, and it passed when nothing failed.
func Outcome(results []CheckResult) plumb.PolicyOutcome {
	out := plumb.PolicyOutcome{Passed: true, Deny: []plumb.PolicyResult{}, Warn: []plumb.PolicyResult{}}
	for _, r := range results {
		for _, f := range r.Failures {
			out.Deny = append(out.Deny, plumb.PolicyResult{Namespace: r.Namespace, Rule: f.rule, Message: f.Message})
		}
		for _, w := range r.Warnings {
			out.Warn = append(out.Warn, plumb.PolicyResult{Namespace: r.Namespace, Rule: w.rule, Message: w.Message})
		}
		for _, e := range r.Exceptions {
			out.Exceptions = append(out.Exceptions, plumb.PolicyResult{Namespace: r.Namespace, Rule: e.rule, Message: e.Message})
		}
	}
	out.Passed = len(out.Deny) == 0
	return out
}
