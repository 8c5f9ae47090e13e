package main

import (
	"bytes"
	"context"

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
				err = policy.WriteJSON(&buf, results)
			} else {
				policy.WriteText(&buf, results)
			}
			if err != nil {
				return err
			}
			if _, err := m.Stdout.Write(m.Redactor.Bytes(buf.Bytes())); err != nil {
				return err
			}
			if code := policy.ExitCode(results, o.failOnWarn); code != 0 {
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
// namespace, as conftest does.
func (m *Main) policyTest(ctx context.Context, o policyTest, args []string) ([]policy.CheckResult, error) {
	files, err := policy.ReadFiles(args, m.Stdin)
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
	return set.Test(ctx, files, o.namespaces, o.allNamespaces)
}
