package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/runner"
)

// CommandJob answers `plumb …` comments on pull requests: plan, apply,
// unlock, approve_policies, help. The story: is it a command for plumb,
// from a person → may they run it → react → run it → answer. Edited
// comments, bots and plumb's own comments are ignored; a refused or
// unknown command gets a short reply saying why.
type CommandJob struct {
	*Env
}

// Handle runs one comment command.
func (j *CommandJob) Handle(ctx context.Context, ev plumb.Event) error {
	log := j.logger().With("delivery", ev.Delivery, "repo", ev.Repo, "pr", ev.PR, "sender", ev.Sender)
	if ev.Action != "created" {
		return nil
	}
	if ev.OnIssue {
		return j.driftAck(ctx, ev)
	}
	cmd, isCommand, perr := ParseCommand(ev.Comment)
	if !isCommand {
		return nil
	}
	if ignore, err := j.ignored(ctx, ev); err != nil || ignore != "" {
		if ignore != "" {
			log.Info("comment command ignored", "why", ignore)
		}
		return err
	}
	if perr != nil {
		return j.reply(ctx, ev, fmt.Sprintf("@%s %s", ev.Sender, plumb.ErrorMessage(perr)))
	}
	if cmd.Verb == "help" {
		j.react(ctx, ev)
		return j.reply(ctx, ev, HelpText())
	}
	pr, err := j.Forge.PullRequest(ctx, ev.Repo, ev.PR)
	if err != nil {
		return fmt.Errorf("read %s#%d: %w", ev.Repo, ev.PR, err)
	}
	if why, err := j.refused(ctx, ev, cmd, pr); err != nil || why != "" {
		if why != "" {
			log.Info("comment command refused", "command", cmd.Verb, "why", why)
			return j.reply(ctx, ev, fmt.Sprintf("@%s `plumb %s` refused: %s", ev.Sender, cmd.Verb, why))
		}
		return err
	}
	j.react(ctx, ev)
	log.Info("comment command accepted", "command", cmd.Verb, "projects", cmd.Projects)
	sel := Selector{Projects: cmd.Projects, Dir: cmd.Dir, Workspace: cmd.Workspace}
	j.audit(ctx, ev, "command "+cmd.Verb, strings.Join(cmd.Projects, ","), pr.HeadSHA)
	err = j.run(ctx, ev, cmd, pr, sel, log)
	if plumb.ErrorCode(err) == plumb.EINVALID {
		// The command cannot be done as asked (no such project, …): the
		// person who asked is told, and the event is done.
		log.Info("comment command not done", "command", cmd.Verb, "why", plumb.ErrorMessage(err))
		return j.reply(ctx, ev, fmt.Sprintf("@%s `plumb %s` not done: %s", ev.Sender, cmd.Verb, plumb.ErrorMessage(err)))
	}
	return err
}

func (j *CommandJob) run(ctx context.Context, ev plumb.Event, cmd Command, pr *plumb.PullRequest, sel Selector, log *slog.Logger) error {
	switch cmd.Verb {
	case "plan":
		return (&PullRequestJob{j.Env}).Plan(ctx, eventOf(ev, pr), sel, log)
	case "apply":
		return j.apply(ctx, ev, pr, sel, log)
	case "unlock":
		return j.unlock(ctx, ev, cmd.Projects)
	case "approve_policies":
		return j.approvePolicies(ctx, ev, pr, cmd.Projects)
	}
	return nil
}

// ignored says why plumb stays silent about a comment: a bot's, or its own.
func (j *CommandJob) ignored(ctx context.Context, ev plumb.Event) (string, error) {
	if ev.SenderType == "Bot" || strings.HasSuffix(ev.Sender, "[bot]") {
		return "the comment is a bot's", nil
	}
	self, err := j.Forge.Login(ctx)
	if err != nil {
		return "", err
	}
	if strings.EqualFold(self, ev.Sender) {
		return "the comment is plumb's own", nil
	}
	return "", nil
}

// refused says why the sender may not run cmd on pr, or "".
func (j *CommandJob) refused(ctx context.Context, ev plumb.Event, cmd Command, pr *plumb.PullRequest) (string, error) {
	perm, err := j.Forge.Permission(ctx, ev.Repo, ev.Sender)
	if err != nil {
		return "", fmt.Errorf("read %s's permission on %s: %w", ev.Sender, ev.Repo, err)
	}
	if !slices.Contains([]string{"admin", "maintain", "write"}, perm) {
		return fmt.Sprintf("it needs write permission on %s, and you have %s.", ev.Repo, perm), nil
	}
	switch cmd.Verb {
	case "plan":
		switch {
		case pr.State != "open":
			return "the pull request is closed; plans are for open pull requests.", nil
		case pr.Fork && !j.Settings.AllowForks:
			return "this server does not plan pull requests from forks.", nil
		}
	case "apply":
		switch {
		case pr.Fork:
			return "pull requests from forks are never applied.", nil
		case !pr.Merged && pr.State != "open":
			return "the pull request was closed without merging.", nil
		case !pr.Merged && !j.Settings.ApplyBeforeMerge:
			return "this server applies on merge only; merge the pull request and plumb applies it.", nil
		}
		if len(j.Settings.Appliers) == 0 {
			return "", nil // anyone with write
		}
		if ok, err := j.among(ctx, j.Settings.Appliers, ev.Sender); err != nil || !ok {
			return "applies on this server are limited to " + strings.Join(j.Settings.Appliers, ", ") + ".", err
		}
	case "approve_policies":
		return j.approveRefused(ctx, ev, pr)
	}
	return "", nil
}

// among reports whether login is in list (logins, or org/team slugs).
func (j *CommandJob) among(ctx context.Context, list []string, login string) (bool, error) {
	for _, a := range list {
		org, team, isTeam := strings.Cut(a, "/")
		if !isTeam && strings.EqualFold(a, login) {
			return true, nil
		}
		if isTeam {
			ok, err := j.Forge.TeamMember(ctx, org, team, login)
			if err != nil {
				return false, fmt.Errorf("read %s's membership of %s: %w", login, a, err)
			}
			if ok {
				return true, nil
			}
		}
	}
	return false, nil
}

// apply applies the pull request's projects chosen by sel: on the merge
// commit for a merged pull request (what its merge left unapplied: a
// changed plan, a failure, an interruption), else at its head.
func (j *CommandJob) apply(ctx context.Context, ev plumb.Event, pr *plumb.PullRequest, sel Selector, log *slog.Logger) error {
	mj := &MergeJob{j.Env}
	b, err := mj.batchFor(ctx, eventOf(ev, pr), pr, log)
	if err != nil || b == nil {
		return err
	}
	b.explicit = &sel
	if !slices.ContainsFunc(b.targets, func(t runner.Target) bool { return sel.match(t.Project) }) {
		return j.reply(ctx, ev, fmt.Sprintf("@%s nothing to apply: no project of this pull request matches %s.", ev.Sender, sel))
	}
	return mj.Apply(ctx, b, log)
}

// unlock releases the pull request's locks (of the named projects only,
// when given), whatever their reason: the human has decided.
func (j *CommandJob) unlock(ctx context.Context, ev plumb.Event, names []string) error {
	locks, err := j.Store.Locks(ctx)
	if err != nil {
		return err
	}
	var released []string
	for _, l := range locks {
		if l.Owner != prTrigger(ev.PR) || l.Key.Repo != ev.Repo || (len(names) > 0 && !slices.Contains(names, l.Project)) {
			continue
		}
		if err := j.Store.ReleaseLock(ctx, l.ID); err != nil && plumb.ErrorCode(err) != plumb.ENOTFOUND {
			return err
		}
		released = append(released, l.Project)
		j.released(ctx, l.Key)
		j.audit(ctx, ev, "unlock", l.Project, "")
	}
	if len(released) == 0 {
		return j.reply(ctx, ev, fmt.Sprintf("@%s this pull request holds no lock%s.", ev.Sender, forNames(names)))
	}
	return j.reply(ctx, ev, fmt.Sprintf("@%s released the lock of %s. Nothing was applied or destroyed.", ev.Sender, strings.Join(released, ", ")))
}

func forNames(names []string) string {
	if len(names) == 0 {
		return ""
	}
	return " on " + strings.Join(names, ", ")
}

func (j *CommandJob) react(ctx context.Context, ev plumb.Event) {
	if ev.CommentID == 0 {
		return
	}
	if err := j.Forge.React(ctx, ev.Repo, ev.CommentID, "eyes"); err != nil {
		j.logger().Warn("react to comment", "repo", ev.Repo, "comment", ev.CommentID, "err", err)
	}
}

func (j *CommandJob) reply(ctx context.Context, ev plumb.Event, body string) error {
	if err := j.Forge.Reply(ctx, ev.Repo, ev.PR, body); err != nil {
		return fmt.Errorf("answer the comment on %s#%d: %w", ev.Repo, ev.PR, err)
	}
	return nil
}

func (j *CommandJob) audit(ctx context.Context, ev plumb.Event, action, project, commit string) {
	if err := j.Store.RecordAudit(ctx, plumb.AuditEntry{Actor: ev.Sender, Action: action, Repo: ev.Repo, Project: project,
		Commit: commit, Result: "accepted"}); err != nil {
		j.logger().Error("record audit", "action", action, "err", err)
	}
}

// eventOf is the pull request event a command on pr stands for.
func eventOf(ev plumb.Event, pr *plumb.PullRequest) plumb.Event {
	ev.HeadSHA, ev.HeadRef, ev.BaseSHA, ev.BaseRef = pr.HeadSHA, pr.HeadRef, pr.BaseSHA, pr.BaseRef
	ev.Merged, ev.MergeCommitSHA, ev.Fork, ev.Draft = pr.Merged, pr.MergeCommitSHA, pr.Fork, pr.Draft
	if ev.CloneURL == "" {
		ev.CloneURL = pr.CloneURL
	}
	return ev
}
