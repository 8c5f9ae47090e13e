package main

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

	"github.com/spf13/cobra"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/policy"
)

func (m *Main) policyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Test plan JSON against Rego policies, as conftest does",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(m.policyTestCmd())
	cmd.AddCommand(m.policyVerifyCmd())
	return cmd
}

// policyTest is `plumb policy test`'s flags: conftest test's, those the
// contract lists, with conftest's defaults.
type policyTest struct {
	policy, data, namespaces  []string
	allNamespaces, failOnWarn bool
	asJSON                    bool
	output                    string
}

func (m *Main) policyTestCmd() *cobra.Command {
	var o policyTest
	cmd := &cobra.Command{
		Use:   "test --policy DIR [--data FILE]... [--namespace NS]... [--all-namespaces] [--fail-on-warn] [--json] FILE...",
		Short: "Test plan JSON files (tofu show -json) against Rego policies, with conftest's rules, verdicts and exit codes",
		Long: "Test plan JSON files (the engine's show -json; - reads stdin; a directory means its .json files)\n" +
			"against Rego policies exactly as `conftest test` does: deny, violation and warn rules and their\n" +
			"_name variants, strings or objects with msg, exception[rules], the same success counting.\n" +
			"Exit codes: 0 pass or warnings only; 1 failures (2 with --fail-on-warn), warnings only with\n" +
			"--fail-on-warn, or an error.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			if o.output == "json" {
				o.asJSON = true
			} else if o.output != "stdout" {
				return plumb.Errorf(plumb.EINVALID, "--output %q: want stdout or json (or use --json)", o.output)
			}
			results, err := m.policyTest(cmd.Context(), o, files)
			if err != nil {
				return err
			}
			var buf bytes.Buffer
			if o.asJSON {
				err = writeCheckJSON(&buf, results)
			} else {
				writeCheckText(&buf, results)
			}
			if err != nil {
				return err
			}
			if _, err := m.Stdout.Write(m.Redactor.Bytes(buf.Bytes())); err != nil {
				return err
			}
			if code := checkExitCode(results, o.failOnWarn); code != 0 {
				return exitError{code}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringSliceVarP(&o.policy, "policy", "p", []string{"policy"}, "Rego policy files or directories (searched recursively)")
	f.StringSliceVarP(&o.data, "data", "d", nil, "JSON or YAML data documents, or directories of them, for the policies' data")
	f.StringSliceVarP(&o.namespaces, "namespace", "n", []string{"main"}, "namespaces to test (glob patterns such as 'k8s.*' match the declared ones)")
	f.BoolVar(&o.allNamespaces, "all-namespaces", false, "test every namespace the policies declare")
	f.BoolVar(&o.failOnWarn, "fail-on-warn", false, "warnings fail too: exit 1 on warnings, 2 on failures")
	f.BoolVar(&o.asJSON, "json", false, "print conftest's --output json array")
	f.StringVarP(&o.output, "output", "o", "stdout", "output format, as conftest's: stdout or json")
	return cmd
}

// policyTest loads the policy set once and checks every file in every
// namespace, namespaces first, as conftest orders its results.
func (m *Main) policyTest(ctx context.Context, o policyTest, args []string) ([]policy.CheckResult, error) {
	docs, err := m.readCheckFiles(args)
	if err != nil {
		return nil, err
	}
	var env []string
	if m.Environ != nil {
		env = m.Environ()
	}
	set, err := policy.Load(policy.Options{Policy: o.policy, Data: o.data, Env: env})
	if err != nil {
		return nil, err
	}
	namespaces := o.namespaces
	if o.allNamespaces {
		namespaces = set.Namespaces()
	} else if namespaces, err = set.Match(o.namespaces); err != nil {
		return nil, err
	}
	var results []policy.CheckResult
	for _, ns := range namespaces {
		for _, d := range docs {
			r, err := set.Check(ctx, d.name, d.doc, ns)
			if err != nil {
				return nil, err
			}
			results = append(results, r)
		}
	}
	return results, nil
}

type checkFile struct {
	name string
	doc  any
}

// readCheckFiles parses every file (a directory: its .json files, walked
// in lexical order; "-": stdin) before any policy runs, as conftest does,
// so a bad file fails the run whatever the policies say.
func (m *Main) readCheckFiles(args []string) ([]checkFile, error) {
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
	var out []checkFile
	for _, n := range names {
		var b []byte
		var err error
		if n == "-" {
			b, err = io.ReadAll(m.Stdin)
		} else {
			b, err = os.ReadFile(n)
		}
		if err != nil {
			return nil, plumb.Errorf(plumb.EINVALID, "%s: %w", n, unwrapPathErr(err))
		}
		doc, err := policy.ParseJSON(n, b)
		if err != nil {
			return nil, err
		}
		out = append(out, checkFile{name: n, doc: doc})
	}
	return out, nil
}

func unwrapPathErr(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}

// checkExitCode is conftest's: failures 1, or with --fail-on-warn 2 for
// failures and 1 for warnings.
func checkExitCode(results []policy.CheckResult, failOnWarn bool) int {
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

// writeCheckJSON writes conftest's --output json: the results, stdin's
// file name blank, tab-indented, HTML characters escaped as encoding/json
// does.
func writeCheckJSON(w io.Writer, results []policy.CheckResult) error {
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

// writeCheckText writes conftest's standard output, uncoloured: the
// policies' print() lines, then one line per warning, failure and
// exception, then the totals.
func writeCheckText(w io.Writer, results []policy.CheckResult) {
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
		t.tests, plural("test", t.tests), t.passed, t.warnings, plural("warning", t.warnings),
		t.failures, plural("failure", t.failures), t.exceptions, plural("exception", t.exceptions))
}

func plural(word string, n int) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
