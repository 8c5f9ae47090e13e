package jobs

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/drift"
)

// DriftAckCommand is a parsed `plumb drift ack` comment on a drift issue.
type DriftAckCommand struct {
	Address, Until, Reason string
}

const driftAckUsage = "`plumb drift ack --until DATE --reason TEXT [--address ADDR]` (DATE: 2026-12-31, an RFC 3339 time, or 14d)"

// ParseDriftAck reads a comment on a drift issue. isCommand is false for
// any comment whose first line does not start with "plumb "; for one that
// does, err (EINVALID, safe to reply with) says what is wrong.
func ParseDriftAck(body string) (cmd DriftAckCommand, isCommand bool, err error) {
	line, _, _ := strings.Cut(body, "\n")
	rest, ok := strings.CutPrefix(strings.TrimLeft(line, " \t"), "plumb ")
	if !ok {
		return cmd, false, nil
	}
	words, err := splitCommandWords(strings.TrimSpace(strings.TrimSuffix(rest, "\r")))
	if err != nil {
		return cmd, true, err
	}
	if len(words) < 2 || words[0] != "drift" || words[1] != "ack" {
		return cmd, true, plumb.Errorf(plumb.EINVALID, "on a drift issue plumb takes %s", driftAckUsage)
	}
	seen := map[string]bool{}
	for i := 2; i < len(words); i++ {
		name, value, hasValue := strings.Cut(words[i], "=")
		if !slices.Contains([]string{"--until", "--reason", "--address"}, name) {
			return cmd, true, plumb.Errorf(plumb.EINVALID, "unknown option %q; plumb takes %s", name, driftAckUsage)
		}
		if seen[name] {
			return cmd, true, plumb.Errorf(plumb.EINVALID, "%s given twice", name)
		}
		seen[name] = true
		if !hasValue {
			if i+1 >= len(words) || strings.HasPrefix(words[i+1], "--") {
				return cmd, true, plumb.Errorf(plumb.EINVALID, "%s needs a value; plumb takes %s", name, driftAckUsage)
			}
			i++
			value = words[i]
		}
		switch name {
		case "--until":
			cmd.Until = value
		case "--reason":
			cmd.Reason = value
		case "--address":
			cmd.Address = value
		}
	}
	if cmd.Until == "" || strings.TrimSpace(cmd.Reason) == "" {
		return cmd, true, plumb.Errorf(plumb.EINVALID, "--until and --reason are required: %s", driftAckUsage)
	}
	return cmd, true, nil
}

// driftAck answers a comment on a drift issue: someone with write
// permission acknowledges the project's drift as `plumb drift ack` does.
func (j *CommandJob) driftAck(ctx context.Context, ev plumb.Event) error {
	log := j.logger().With("delivery", ev.Delivery, "repo", ev.Repo, "issue", ev.PR, "sender", ev.Sender)
	cmd, isCommand, perr := ParseDriftAck(ev.Comment)
	if !isCommand {
		return nil
	}
	if ignore, err := j.ignored(ctx, ev); err != nil || ignore != "" {
		if ignore != "" {
			log.Info("drift issue comment ignored", "why", ignore)
		}
		return err
	}
	if perr != nil {
		return j.reply(ctx, ev, fmt.Sprintf("@%s %s", ev.Sender, plumb.ErrorMessage(perr)))
	}
	perm, err := j.Forge.Permission(ctx, ev.Repo, ev.Sender)
	if err != nil {
		return fmt.Errorf("read %s's permission on %s: %w", ev.Repo, ev.Sender, err)
	}
	if !slices.Contains([]string{"admin", "maintain", "write"}, perm) {
		return j.reply(ctx, ev, fmt.Sprintf("@%s `plumb drift ack` refused: it needs write permission on %s, and you have %s.", ev.Sender, ev.Repo, perm))
	}
	states, err := j.Store.DriftStates(ctx, ev.Repo)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(states, func(s plumb.DriftState) bool { return s.Issue == ev.PR })
	if i < 0 {
		return j.reply(ctx, ev, fmt.Sprintf("@%s `plumb drift ack` not done: no project's drift is kept in this issue (it may be an older one).", ev.Sender))
	}
	project := states[i].Project
	until, err := drift.ParseUntil(cmd.Until, j.now(), time.UTC)
	if err == nil {
		var a plumb.DriftAckRecord
		a, err = Acknowledge(ctx, j.Store, ev.Repo, project, cmd.Address, ev.Sender, cmd.Reason, until, j.now())
		if err == nil {
			j.react(ctx, ev)
			log.Info("drift acknowledged", "project", project, "until", a.Until, "findings", len(a.Findings))
			return j.reply(ctx, ev, fmt.Sprintf("@%s acknowledged %d finding(s) of %s until %s (acknowledgement `%s`): the next check leaves them out of this issue, unless they change. `plumb drift unack %s` withdraws it.",
				ev.Sender, len(a.Findings), project, a.Until.Format(time.RFC3339), a.ID, a.ID))
		}
	}
	if code := plumb.ErrorCode(err); code == plumb.EINVALID || code == plumb.ENOTFOUND {
		return j.reply(ctx, ev, fmt.Sprintf("@%s `plumb drift ack` not done: %s", ev.Sender, plumb.ErrorMessage(err)))
	}
	return err
}
