package main

import (
	"fmt"
	"os/user"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/drift"
	"github.com/plumbhq/plumb/jobs"
)

func (m *Main) driftAckCmd() *cobra.Command {
	var repoDir, project, address, until, reason string
	cmd := &cobra.Command{
		Use:   "ack -p NAME [--address ADDR] --until DATE --reason TEXT",
		Short: "Acknowledge a project's known drift until a date, or until the finding changes",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if project == "" || until == "" || strings.TrimSpace(reason) == "" {
				return plumb.Errorf(plumb.EINVALID, "drift ack needs -p NAME, --until DATE and --reason TEXT")
			}
			end, err := drift.ParseUntil(until, time.Now(), time.Local)
			if err != nil {
				return err
			}
			st, repo, err := m.openDriftStore(ctx, repoDir)
			if err != nil {
				return err
			}
			defer st.Close()
			a, err := jobs.Acknowledge(ctx, st, repo, project, address, whoami(), reason, end, time.Now())
			if err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "acknowledged %d finding(s) of %s until %s (ack %s); `plumb drift unack %s` withdraws it\n",
				len(a.Findings), project, a.Until.Local().Format(time.RFC3339), a.ID, a.ID)
			for _, f := range a.Findings {
				fmt.Fprintf(m.Stdout, "  %s  %s %s %s\n", f.Address, f.Kind, f.Action, strings.Join(f.Attributes, ", "))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&repoDir, "repo", "", "git repository (default: the one holding the current directory)")
	f.StringVarP(&project, "project", "p", "", "the project whose drift is acknowledged")
	f.StringVar(&address, "address", "", "acknowledge only the finding at this resource address (default: all of the project's)")
	f.StringVar(&until, "until", "", "until when: a date (2026-12-31), an RFC 3339 time, or a duration from now (72h, 14d)")
	f.StringVar(&reason, "reason", "", "why this drift is known and acceptable (shown in the report and the issue)")
	return cmd
}

func (m *Main) driftAcksCmd() *cobra.Command {
	var repoDir string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "acks [--json]",
		Short: "List drift acknowledgements, expired ones marked",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, _, err := m.openDriftStore(cmd.Context(), repoDir)
			if err != nil {
				return err
			}
			defer st.Close()
			acks, err := st.DriftAcks(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				if acks == nil {
					acks = []plumb.DriftAckRecord{}
				}
				return writeJSON(m.Stdout, struct {
					FormatVersion string                 `json:"format_version"`
					Acks          []plumb.DriftAckRecord `json:"acks"`
				}{"1", acks})
			}
			if len(acks) == 0 {
				fmt.Fprintln(m.Stdout, "no drift acknowledgements")
				return nil
			}
			tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tPROJECT\tADDRESS\tFINDINGS\tBY\tUNTIL\tREASON")
			now := time.Now()
			for _, a := range acks {
				addr, end := a.Address, a.Until.Local().Format("2006-01-02 15:04")
				if addr == "" {
					addr = "(all)"
				}
				if !now.Before(a.Until) {
					end += " (expired)"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\n", a.ID, a.Project, addr, len(a.Findings), a.By, end, a.Reason)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&repoDir, "repo", "", "git repository (default: the one holding the current directory)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func (m *Main) driftUnackCmd() *cobra.Command {
	var repoDir string
	cmd := &cobra.Command{
		Use:   "unack ID",
		Short: "Withdraw a drift acknowledgement",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, _, err := m.openDriftStore(cmd.Context(), repoDir)
			if err != nil {
				return err
			}
			defer st.Close()
			if err := st.DeleteDriftAck(cmd.Context(), args[0]); err != nil {
				if plumb.ErrorCode(err) == plumb.ENOTFOUND {
					return plumb.Errorf(plumb.ENOTFOUND, "no drift acknowledgement %s: `plumb drift acks` lists them", args[0])
				}
				return err
			}
			fmt.Fprintf(m.Stdout, "withdrew acknowledgement %s: its findings count again from the next check\n", args[0])
			return nil
		},
	}
	cmd.Flags().StringVar(&repoDir, "repo", "", "git repository (default: the one holding the current directory)")
	return cmd
}

// whoami names the local user for the audit trail.
func whoami() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "cli"
}
