package policy

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/topdown/print"

	"github.com/plumbhq/plumb"
)

// The rule names conftest evaluates.
var (
	warningRule = regexp.MustCompile("^warn(_[a-zA-Z0-9]+)*$")
	failureRule = regexp.MustCompile("^(deny|violation)(_[a-zA-Z0-9]+)*$")
)

func isWarning(rule string) bool { return warningRule.MatchString(rule) }
func isFailure(rule string) bool { return failureRule.MatchString(rule) }

// CheckResult is one document checked in one namespace: conftest's
// CheckResult, field for field, so that a slice of them marshals to exactly
// conftest's `--output json`.
type CheckResult struct {
	FileName   string   `json:"filename"`
	Namespace  string   `json:"namespace"`
	Successes  int      `json:"successes"`
	Skipped    []Result `json:"skipped,omitempty"` // conftest's test never fills it; kept for the shape
	Warnings   []Result `json:"warnings,omitempty"`
	Failures   []Result `json:"failures,omitempty"`
	Exceptions []Result `json:"exceptions,omitempty"`
	// Prints are the lines the policies' print() calls wrote, each as
	// "FILE:ROW: message\n"; conftest shows them but leaves them out of
	// its JSON.
	Prints []string `json:"-"`
}

// Result is one message of one rule (conftest's output.Result).
type Result struct {
	Message  string         `json:"msg"`
	Location *Location      `json:"loc,omitempty"`
	Metadata map[string]any `json:"metadata,omitempty"`
	Outputs  []string       `json:"outputs,omitempty"`
	rule     string         // the rule that produced it (deny_no_tags), for plumb.PolicyResult
}

// Location is a result's "_loc": where in the checked file the problem is.
type Location struct {
	File string      `json:"file,omitempty"`
	Line json.Number `json:"line,omitempty"`
}

// Check evaluates the namespace's rules on one document, as conftest checks
// one file: doc is the file's parsed JSON (numbers as float64, as conftest
// decodes them), and a top-level array is several documents whose results
// add up under the one file name.
func (s *Set) Check(ctx context.Context, file string, doc any, namespace string) (CheckResult, error) {
	if docs, ok := doc.([]any); ok {
		sum := CheckResult{FileName: file, Namespace: namespace}
		for _, d := range docs {
			r, err := s.check(ctx, file, d, namespace)
			if err != nil {
				return CheckResult{}, err
			}
			sum.Successes += r.Successes
			sum.Failures = append(sum.Failures, r.Failures...)
			sum.Warnings = append(sum.Warnings, r.Warnings...)
			sum.Exceptions = append(sum.Exceptions, r.Exceptions...)
			sum.Prints = append(sum.Prints, r.Prints...)
		}
		return sum, nil
	}
	return s.check(ctx, file, doc, namespace)
}

func (s *Set) check(ctx context.Context, file string, doc any, namespace string) (CheckResult, error) {
	input, err := ast.InterfaceToValue(doc)
	if err != nil {
		return CheckResult{}, plumb.Errorf(plumb.EINVALID, "policy: %s: input: %w", file, err)
	}
	ev := evaluation{set: s, input: input, store: s.storeFor(file)}
	rules, bodies := s.rules(namespace)
	res := CheckResult{FileName: file, Namespace: namespace}
	successes := 0
	for _, rule := range rules {
		// An exception names the rule without its deny_/violation_/warn_
		// prefix; conftest's query for a bare deny looks for "".
		exceptionQuery := fmt.Sprintf("data.%s.exception[_][_] == %q", namespace, exceptionName(rule))
		excepted, err := ev.query(ctx, exceptionQuery, rule)
		if err != nil {
			return CheckResult{}, fmt.Errorf("policy: %s: %s: %w", file, exceptionQuery, err)
		}
		var exceptions []Result
		for _, r := range excepted {
			if r.Message == "" {
				r.Message, r.rule = exceptionQuery, rule
				exceptions = append(exceptions, r)
			}
		}
		ruleQuery := fmt.Sprintf("data.%s.%s", namespace, rule)
		results, err := ev.query(ctx, ruleQuery, rule)
		if err != nil {
			return CheckResult{}, fmt.Errorf("policy: %s: %s: %w", file, ruleQuery, err)
		}
		for _, r := range results {
			switch {
			case len(exceptions) > 0: // the exception stands for all of the rule's results
			case r.Message == "":
				successes++
			case isFailure(rule):
				res.Failures = append(res.Failures, r)
			default:
				res.Warnings = append(res.Warnings, r)
			}
		}
		res.Exceptions = append(res.Exceptions, exceptions...)
	}
	res.Prints = ev.prints
	// A rule query that matched nothing yields one empty result, however
	// many bodies the rule has: conftest tops successes up to the number
	// of bodies, so a policy's every rule counts as one test at least.
	if n := len(res.Failures) + len(res.Warnings) + len(res.Exceptions) + successes; n < bodies {
		successes += bodies - n
	}
	res.Successes = successes
	return res, nil
}

// rules lists the namespace's deny/violation/warn rules once each (names
// compared case-insensitively, as conftest does) and counts their bodies.
func (s *Set) rules(namespace string) (names []string, bodies int) {
	for _, m := range s.modules {
		if strings.TrimPrefix(m.Package.Path.String(), "data.") != namespace {
			continue
		}
		for _, r := range m.Rules {
			name := r.Head.Name.String()
			if !isFailure(name) && !isWarning(name) {
				continue
			}
			bodies++
			if !slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, name) }) {
				names = append(names, name)
			}
		}
	}
	return names, bodies
}

// storeFor is the data documents plus data.conftest.file for one file. Each
// check gets its own store (OPA copies the documents in), so concurrent
// checks never see each other's file.
func (s *Set) storeFor(file string) storage.Store {
	abs, err := filepath.Abs(file)
	if err != nil {
		abs = file
	}
	data := make(map[string]any, len(s.data)+1)
	for k, v := range s.data {
		data[k] = v
	}
	conftest := map[string]any{}
	if c, ok := data["conftest"].(map[string]any); ok {
		for k, v := range c {
			conftest[k] = v
		}
	}
	conftest["file"] = map[string]any{"name": filepath.Base(abs), "dir": filepath.Dir(abs)}
	data["conftest"] = conftest
	return inmem.NewFromObject(data)
}

// exceptionName is the name an exception gives a rule: without its deny_,
// violation_ or warn_ prefix, and "" for a bare deny, violation or warn
// (conftest's query then looks for an empty name).
func exceptionName(rule string) string {
	switch rule {
	case "deny", "violation", "warn":
		return ""
	}
	for _, p := range []string{"violation_", "deny_", "warn_"} {
		rule = strings.TrimPrefix(rule, p)
	}
	return rule
}

// evaluation is one check's state: its input, store and print lines.
type evaluation struct {
	set    *Set
	input  ast.Value
	store  storage.Store
	prints []string
}

func (e *evaluation) Print(pctx print.Context, msg string) error {
	e.prints = append(e.prints, fmt.Sprintf("%v: %s\n", pctx.Location, msg))
	return nil
}

// query runs one query and turns its values into results as conftest does:
// a set (or array) of strings or objects with "msg" gives one result each,
// an empty or non-collection value one empty result (a pass), and an
// expression with no value nothing.
func (e *evaluation) query(ctx context.Context, query, rule string) ([]Result, error) {
	rs, err := rego.New(
		rego.ParsedInput(e.input),
		rego.Query(query),
		rego.Compiler(e.set.compiler),
		rego.Store(e.store),
		rego.Runtime(e.set.runtime),
		rego.PrintHook(e),
	).Eval(ctx)
	if err != nil {
		return nil, err
	}
	var out []Result
	for _, r := range rs {
		for _, expr := range r.Expressions {
			values, _ := expr.Value.([]any)
			if len(values) == 0 {
				out = append(out, Result{})
				continue
			}
			for _, v := range values {
				switch v := v.(type) {
				case string:
					out = append(out, Result{Message: v, Metadata: map[string]any{"query": query}, rule: rule})
				case map[string]any:
					res, err := newResult(v)
					if err != nil {
						return nil, err
					}
					res.Metadata["query"] = query
					res.rule = rule
					out = append(out, res)
				}
			}
		}
	}
	return out, nil
}

// newResult reads an object result: "msg" must be a string, "_loc" may say
// where, and every other key is metadata.
func newResult(obj map[string]any) (Result, error) {
	msg, ok := obj["msg"].(string)
	if !ok {
		return Result{}, fmt.Errorf("new result: %q field must be present and a string", "msg")
	}
	res := Result{Message: msg, Metadata: map[string]any{}}
	if loc, ok := obj["_loc"].(map[string]any); ok {
		l := &Location{}
		l.File, _ = loc["file"].(string)
		l.Line, _ = loc["line"].(json.Number)
		if l.File != "" || l.Line.String() != "" {
			res.Location = l
		}
	}
	for k, v := range obj {
		if k != "msg" && k != "_loc" {
			res.Metadata[k] = v
		}
	}
	return res, nil
}
