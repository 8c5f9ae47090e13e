package jobs

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/plumbhq/plumb"
)

// Command is a parsed pull request comment command: `plumb plan -p app`.
type Command struct {
	Verb      string   // plan, apply, unlock, approve_policies or help
	Projects  []string // -p NAME, in the order given, each once
	Dir       string   // -d DIR, cleaned: "envs/dev/" is "envs/dev"
	Workspace string   // -w WORKSPACE
}

// cmdFlag is an option of a comment command, in its short and long forms.
type cmdFlag struct{ short, long string }

var (
	flagProject   = cmdFlag{"-p", "--project"}
	flagDir       = cmdFlag{"-d", "--dir"}
	flagWorkspace = cmdFlag{"-w", "--workspace"}
	allFlags      = []cmdFlag{flagProject, flagDir, flagWorkspace}
)

// verbs lists the commands and the flags each takes, in help order.
var verbs = []struct {
	name  string
	flags []cmdFlag
}{
	{"plan", allFlags},
	{"apply", allFlags},
	{"unlock", []cmdFlag{flagProject}},
	{"approve_policies", []cmdFlag{flagProject}},
	{"help", nil},
}

const seeHelp = "comment `plumb help` for the commands"

// ParseCommand reads a pull request comment. A comment is a command when
// its first line starts with "plumb " (case-sensitive; leading spaces and
// tabs allowed); isCommand is false for any other comment, which plumb
// answers with silence, so err is nil. For a command, err is an EINVALID
// plumb.Error whose message, safe to reply with, says what is wrong: an
// unknown verb or flag, a flag without its value, a flag the verb does not
// take, a flag given twice, an argument that belongs to no flag, an
// unterminated quote.
//
// The line after "plumb " is split into words like a shell does, so a value
// with spaces can be quoted: 'envs/my dir' or "envs/my dir" (backslash
// escapes the next character outside single quotes). Flags take their
// value as the next word or after "=": -p app, -p=app, --project app,
// --project=app; -p repeats. A value may not start with "-" unless given
// after "=", so a forgotten value is reported rather than eating the next
// flag. Only the first line counts: the rest of the comment is free text.
func ParseCommand(body string) (cmd Command, isCommand bool, err error) {
	line, _, _ := strings.Cut(body, "\n")
	line = strings.TrimSuffix(line, "\r")
	rest, ok := strings.CutPrefix(strings.TrimLeft(line, " \t"), "plumb ")
	if !ok {
		return Command{}, false, nil
	}
	words, err := splitCommandWords(rest)
	if err != nil {
		return Command{}, true, err
	}
	if len(words) == 0 {
		return Command{}, true, plumb.Errorf(plumb.EINVALID, "`plumb` needs a command; %s", seeHelp)
	}
	cmd, err = parseArgs(words[0], words[1:])
	if err != nil {
		return Command{}, true, err
	}
	return cmd, true, nil
}

func parseArgs(verb string, args []string) (Command, error) {
	var allowed []cmdFlag
	known := false
	for _, v := range verbs {
		if v.name == verb {
			allowed, known = v.flags, true
		}
	}
	if !known {
		return Command{}, plumb.Errorf(plumb.EINVALID, "unknown command %q: plumb knows plan, apply, unlock, approve_policies and help; %s", verb, seeHelp)
	}
	cmd := Command{Verb: verb}
	fail := func(format string, args ...any) (Command, error) {
		return Command{}, plumb.Errorf(plumb.EINVALID, "`plumb %s`: %s; %s", verb, fmt.Sprintf(format, args...), seeHelp)
	}
	seen := map[cmdFlag]bool{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, value, inline := strings.Cut(a, "=")
		f, isFlag := lookupCmdFlag(name)
		switch {
		case !strings.HasPrefix(a, "-"):
			return fail("unexpected argument %q (values follow a flag, as in -p NAME)", a)
		case !isFlag:
			return fail("unknown flag %q", name)
		case !slices.Contains(allowed, f):
			return fail("%s is not an option of this command, %s", name, takes(allowed))
		case !inline && (i+1 == len(args) || strings.HasPrefix(args[i+1], "-")):
			return fail("%s needs a value", name)
		}
		if !inline {
			i++
			value = args[i]
		}
		if value == "" {
			return fail("%s needs a value", name)
		}
		if seen[f] && f != flagProject {
			return fail("%s is given twice (one %s only)", name, strings.TrimPrefix(f.long, "--"))
		}
		seen[f] = true
		switch f {
		case flagProject:
			if !slices.Contains(cmd.Projects, value) {
				cmd.Projects = append(cmd.Projects, value)
			}
		case flagDir:
			d := path.Clean(value)
			if path.IsAbs(d) || d == ".." || strings.HasPrefix(d, "../") {
				return fail("%s %q is not a directory inside the repository", name, value)
			}
			cmd.Dir = d
		case flagWorkspace:
			cmd.Workspace = value
		}
	}
	return cmd, nil
}

func lookupCmdFlag(name string) (cmdFlag, bool) {
	for _, f := range allFlags {
		if name == f.short || name == f.long {
			return f, true
		}
	}
	return cmdFlag{}, false
}

// takes says which flags a verb has, for an error about one it has not.
func takes(fs []cmdFlag) string {
	if len(fs) == 0 {
		return "which takes no flags"
	}
	var names []string
	for _, f := range fs {
		names = append(names, f.short)
	}
	return "which takes only " + strings.Join(names, ", ")
}

// splitCommandWords splits s at spaces and tabs, honouring single quotes (all
// literal), double quotes (backslash escapes " and \) and backslash
// outside quotes, as a shell would, without expansions.
func splitCommandWords(s string) ([]string, error) {
	var words []string
	var b strings.Builder
	inWord := false
	var quote rune
	escaped := false
	for _, r := range s {
		switch {
		case escaped:
			if quote == '"' && r != '"' && r != '\\' {
				b.WriteRune('\\')
			}
			b.WriteRune(r)
			escaped = false
		case quote == '\'':
			if r == '\'' {
				quote = 0
			} else {
				b.WriteRune(r)
			}
		case r == '\\' && quote != '\'':
			escaped, inWord = true, true
		case quote == '"':
			if r == '"' {
				quote = 0
			} else {
				b.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, b.String())
				b.Reset()
				inWord = false
			}
		default:
			b.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 || escaped {
		return nil, plumb.Errorf(plumb.EINVALID, "the command has an unterminated quote or a trailing backslash; %s", seeHelp)
	}
	if inWord {
		words = append(words, b.String())
	}
	return words, nil
}

// String renders the command as a comment would write it, quoting values
// where a shell would need it: ParseCommand(c.String()) gives c back.
func (c Command) String() string {
	parts := []string{"plumb", c.Verb}
	for _, p := range c.Projects {
		parts = append(parts, renderFlag("-p", p))
	}
	if c.Dir != "" {
		parts = append(parts, renderFlag("-d", c.Dir))
	}
	if c.Workspace != "" {
		parts = append(parts, renderFlag("-w", c.Workspace))
	}
	return strings.Join(parts, " ")
}

// renderFlag writes "-p value", or "-p=value" for a value that starts with
// "-" (which would otherwise read as a missing value).
func renderFlag(name, value string) string {
	if strings.HasPrefix(value, "-") {
		return name + "=" + quoteCommandWord(value)
	}
	return name + " " + quoteCommandWord(value)
}

// quoteCommandWord single-quotes a word unless it is plain, closing and reopening
// the quotes around each single quote it holds.
func quoteCommandWord(w string) string {
	plain := w != ""
	for _, r := range w {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:@+,=", r)) {
			plain = false
			break
		}
	}
	if plain {
		return w
	}
	return "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
}

// HelpText is the answer to `plumb help`, in markdown.
func HelpText() string {
	return "**plumb commands.** Comment on the pull request with the command on the comment's first line:\n\n" +
		"- `plumb plan [-p NAME]... [-d DIR] [-w WORKSPACE]`: plan the projects this pull request affects, or only those selected.\n" +
		"- `plumb apply [-p NAME]... [-d DIR] [-w WORKSPACE]`: apply this pull request's plans, all or only those selected.\n" +
		"- `plumb unlock [-p NAME]...`: release the locks this pull request holds, all or only the named projects'.\n" +
		"- `plumb approve_policies [-p NAME]...`: approve the failed policy checks of this pull request's plans so they may apply.\n" +
		"- `plumb help`: show this message.\n\n" +
		"`-p` (`--project`) names a project and may repeat; `-d` (`--dir`) selects the projects in a directory, " +
		"`-w` (`--workspace`) those in a workspace. Values may also follow `=` (`-p=app`); quote a value with spaces: `-d 'envs/my dir'`.\n\n" +
		"Running a command needs write permission on the repository; this server's configuration may narrow " +
		"`plumb apply` and `plumb approve_policies` to some users or teams.\n"
}
