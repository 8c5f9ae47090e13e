package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/policy"
)

// policyVerifyCmd is conftest verify: the policies' own Rego unit tests.
func (m *Main) policyVerifyCmd() *cobra.Command {
	var dirs, data []string
	cmd := &cobra.Command{
		Use:   "verify --policy DIR [--data FILE]...",
		Short: "Run the policies' Rego unit tests (test_ rules in _test.rego files), as conftest verify does",
		Long: "Run the Rego unit tests of a policy set: every test_ rule, with the --data documents as data.\n" +
			"Exit codes: 0 every test passed; 1 a test failed or errored, none was found, or the policies do not compile.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			set, err := policy.Load(policy.Options{Policy: dirs, Data: data})
			if err != nil {
				return err
			}
			tests, err := set.Verify(cmd.Context())
			if err != nil {
				return err
			}
			if len(tests) == 0 {
				return plumb.Errorf(plumb.EINVALID, "%s: no Rego tests (rules named test_...) found", strings.Join(dirs, ", "))
			}
			failed := policy.WriteVerify(m.Stdout, tests)
			if failed > 0 {
				return exitError{1}
			}
			return nil
		},
	}
	cmd.Flags().StringSliceVarP(&dirs, "policy", "p", []string{"policy"}, "Rego policy files or directories, their _test.rego files included")
	cmd.Flags().StringSliceVarP(&data, "data", "d", nil, "JSON or YAML data documents, or directories of them, for the policies' data")
	return cmd
}
