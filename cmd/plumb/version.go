package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func (m *Main) versionCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print plumb's version and the engines it finds",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			bins := m.findEngines(cmd.Context(), "")
			if asJSON {
				type engine struct {
					Engine  string `json:"engine"`
					Version string `json:"version"`
					Path    string `json:"path"`
				}
				out := struct {
					FormatVersion string   `json:"format_version"`
					Version       string   `json:"version"`
					Engines       []engine `json:"engines"`
				}{FormatVersion: "1", Version: version, Engines: []engine{}}
				for _, b := range bins {
					out.Engines = append(out.Engines, engine{string(b.Engine), b.VersionString(), b.Path})
				}
				enc := json.NewEncoder(m.Stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(out)
			}
			fmt.Fprintf(m.Stdout, "plumb %s\n", version)
			if len(bins) == 0 {
				fmt.Fprintln(m.Stdout, "no engines found: run `make tools` and `. .tools/env.sh`, or put tofu/terraform on PATH")
				return nil
			}
			tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
			for _, b := range bins {
				fmt.Fprintf(tw, "  %s\t%s\t%s\n", b.Engine, b.VersionString(), b.Path)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
