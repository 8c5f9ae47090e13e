package policy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/plumbhq/plumb"
)

// This file is `plumb policy test`, conftest test's behaviour end to end:
// its inputs, its order of results, its exit codes and its two outputs.

// Test checks every file in every namespace given (globs matched against
// the set's; all: every namespace the set declares), namespaces first, as
// conftest orders its results.
func (s *Set) Test(ctx context.Context, files []File, namespaces []string, all bool) ([]CheckResult, error) {
	var err error
	if all {
		namespaces = s.Namespaces()
	} else if namespaces, err = s.Match(namespaces); err != nil {
		return nil, err
	}
	var results []CheckResult
	for _, ns := range namespaces {
		for _, f := range files {
			r, err := s.Check(ctx, f.Name, f.Doc, ns)
			if err != nil {
				return nil, err
			}
			results = append(results, r)
		}
	}
	return results, nil
}

// File is one parsed input of Test: its name as given ("-" for stdin)
// and its JSON document.
type File struct {
	Name string
	Doc  any
}

// ReadFiles parses every file (a directory: its .json files, walked in
// lexical order; "-": stdin) before any policy runs, as conftest does,
// so a bad file fails the run whatever the policies say.
func ReadFiles(args []string, stdin io.Reader) ([]File, error) {
	var names []string
	for _, a := range args {
		if a == "" {
			continue
		}
		if a == "-" {
			names = append(names, a)
			continue
		}
		fi, err := os.Stat(a)
		if err != nil {
			return nil, plumb.Errorf(plumb.EINVALID, "%s: %w", a, unwrapPathErr(err))
		}
		if !fi.IsDir() {
			names = append(names, a)
			continue
		}
		err = filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.EqualFold(filepath.Ext(p), ".json") {
				names = append(names, p)
			}
			return err
		})
		if err != nil {
			return nil, plumb.Errorf(plumb.EINVALID, "%s: %w", a, err)
		}
	}
	if len(names) == 0 {
		return nil, plumb.Errorf(plumb.EINVALID, "no files found: give plan JSON files (tofu show -json PLANFILE > plan.json)")
	}
	var out []File
	for _, n := range names {
		var b []byte
		var err error
		if n == "-" {
			b, err = io.ReadAll(stdin)
		} else {
			b, err = os.ReadFile(n)
		}
		if err != nil {
			return nil, plumb.Errorf(plumb.EINVALID, "%s: %w", n, unwrapPathErr(err))
		}
		doc, err := ParseJSON(n, b)
		if err != nil {
			return nil, err
		}
		out = append(out, File{Name: n, Doc: doc})
	}
	return out, nil
}

func unwrapPathErr(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}

// ExitCode is conftest's: failures 1, or with --fail-on-warn 2 for
// failures and 1 for warnings.
func ExitCode(results []CheckResult, failOnWarn bool) int {
	var failed, warned bool
	for _, r := range results {
		failed = failed || len(r.Failures) > 0
		warned = warned || len(r.Warnings) > 0
	}
	switch {
	case failed && failOnWarn:
		return 2
	case failed, warned && failOnWarn:
		return 1
	}
	return 0
}

// WriteJSON writes conftest's --output json: the results, stdin's
// file name blank, tab-indented, HTML characters escaped as encoding/json
// does.
func WriteJSON(w io.Writer, results []CheckResult) error {
	for i := range results {
		if results[i].FileName == "-" {
			results[i].FileName = ""
		}
	}
	b, err := json.Marshal(results)
	if err != nil {
		return plumb.Errorf(plumb.EINTERNAL, "policy results: %w", err)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "\t"); err != nil {
		return plumb.Errorf(plumb.EINTERNAL, "policy results: %w", err)
	}
	fmt.Fprintln(w, out.String())
	return nil
}

// WriteText writes conftest's standard output, uncoloured: the
// policies' print() lines, then one line per warning, failure and
// exception, then the totals.
func WriteText(w io.Writer, results []CheckResult) {
	for _, r := range results {
		for _, p := range r.Prints {
			fmt.Fprintln(w, "PRNT ", "", p)
		}
	}
	var t struct{ tests, passed, warnings, failures, exceptions int }
	for _, r := range results {
		file, ns := "- "+r.FileName, "- "+r.Namespace+" -"
		if r.FileName == "-" {
			file = "-"
		}
		for _, x := range r.Warnings {
			fmt.Fprintln(w, "WARN", file, ns, x.Message)
		}
		for _, x := range r.Failures {
			fmt.Fprintln(w, "FAIL", file, ns, x.Message)
		}
		for _, x := range r.Exceptions {
			fmt.Fprintln(w, "EXCP", file, ns, x.Message)
		}
		t.passed += r.Successes
		t.warnings += len(r.Warnings)
		t.failures += len(r.Failures)
		t.exceptions += len(r.Exceptions)
	}
	t.tests = t.passed + t.warnings + t.failures + t.exceptions
	fmt.Fprintln(w)
	fmt.Fprintf(w, "%d %s, %d passed, %d %s, %d %s, %d %s\n",
		t.tests, Plural("test", t.tests), t.passed, t.warnings, Plural("warning", t.warnings),
		t.failures, Plural("failure", t.failures), t.exceptions, Plural("exception", t.exceptions))
}

// Plural is word for n of it, as conftest writes its totals.
func Plural(word string, n int) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
