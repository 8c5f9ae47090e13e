package jobs_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/jobs"
)

func TestParseCommand(t *testing.T) {
	t.Parallel()
	type cmd = jobs.Command
	tests := []struct {
		name      string
		body      string
		want      cmd
		isCommand bool
		err       string // substring of the error; "" for none
	}{
		{name: "plain comment", body: "LGTM, ship it"},
		{name: "empty", body: ""},
		{name: "plumb inside a word", body: "plumbing is hard"},
		{name: "plumb alone is not addressed", body: "plumb"},
		{name: "case-sensitive", body: "Plumb plan"},
		{name: "only the first line counts", body: "thanks!\nplumb plan"},
		{name: "quoted reply", body: "> plumb plan\nok"},

		{name: "plan", body: "plumb plan", isCommand: true, want: cmd{Verb: "plan"}},
		{name: "leading spaces, CRLF, free text after", body: " \tplumb plan -p app\r\nwith a note", isCommand: true,
			want: cmd{Verb: "plan", Projects: []string{"app"}}},
		{name: "every flag, short and long, repeats kept once", body: "plumb apply -p a --project b -p a -d envs/dev/ --workspace blue", isCommand: true,
			want: cmd{Verb: "apply", Projects: []string{"a", "b"}, Dir: "envs/dev", Workspace: "blue"}},
		{name: "values after =", body: "plumb plan -p=a --project=b -d=./x -w=-odd", isCommand: true,
			want: cmd{Verb: "plan", Projects: []string{"a", "b"}, Dir: "x", Workspace: "-odd"}},
		{name: "quoted values", body: `plumb plan -d 'envs/my dir' -p "it's" -w a\ b`, isCommand: true,
			want: cmd{Verb: "plan", Projects: []string{"it's"}, Dir: "envs/my dir", Workspace: "a b"}},
		{name: "extra spaces", body: "plumb   unlock    -p  app  ", isCommand: true, want: cmd{Verb: "unlock", Projects: []string{"app"}}},
		{name: "approve_policies", body: "plumb approve_policies -p app", isCommand: true, want: cmd{Verb: "approve_policies", Projects: []string{"app"}}},
		{name: "help", body: "plumb help", isCommand: true, want: cmd{Verb: "help"}},

		{name: "no verb", body: "plumb  ", isCommand: true, err: "`plumb` needs a command; comment `plumb help`"},
		{name: "unknown verb", body: "plumb pln", isCommand: true, err: `unknown command "pln": plumb knows plan, apply, unlock, approve_policies and help`},
		{name: "unknown flag", body: "plumb plan -x 1", isCommand: true, err: "`plumb plan`: unknown flag \"-x\"; comment `plumb help` for the commands"},
		{name: "missing value at the end", body: "plumb plan -p", isCommand: true, err: "`plumb plan`: -p needs a value"},
		{name: "missing value before a flag", body: "plumb plan -d -p a", isCommand: true, err: "-d needs a value"},
		{name: "empty value", body: "plumb plan -p=", isCommand: true, err: "-p needs a value"},
		{name: "unlock takes only -p", body: "plumb unlock -d envs", isCommand: true, err: "`plumb unlock`: -d is not an option of this command, which takes only -p"},
		{name: "help takes no flags", body: "plumb help -p a", isCommand: true, err: "which takes no flags"},
		{name: "stray argument", body: "plumb plan app", isCommand: true, err: `unexpected argument "app" (values follow a flag, as in -p NAME)`},
		{name: "stray after help", body: "plumb help me", isCommand: true, err: `unexpected argument "me"`},
		{name: "dir given twice", body: "plumb plan -d a -d b", isCommand: true, err: "-d is given twice (one dir only)"},
		{name: "dir outside the repository", body: "plumb plan -d ../x", isCommand: true, err: `-d "../x" is not a directory inside the repository`},
		{name: "unterminated quote", body: "plumb plan -d 'envs", isCommand: true, err: "unterminated quote"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, isCommand, err := jobs.ParseCommand(tt.body)
			if isCommand != tt.isCommand {
				t.Fatalf("isCommand = %v, want %v", isCommand, tt.isCommand)
			}
			if tt.err != "" {
				if err == nil || !strings.Contains(plumb.ErrorMessage(err), tt.err) || plumb.ErrorCode(err) != plumb.EINVALID {
					t.Fatalf("err = %v (code %q), want EINVALID containing %q", err, plumb.ErrorCode(err), tt.err)
				}
				if !strings.Contains(err.Error(), "`plumb help`") {
					t.Errorf("err = %v: it does not point to plumb help", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("command (-want +got):\n%s", d)
			}
		})
	}
}

func TestCommandString(t *testing.T) {
	t.Parallel()
	c := jobs.Command{Verb: "plan", Projects: []string{"app", "it's"}, Dir: "envs/my dir", Workspace: "-w"}
	want := `plumb plan -p app -p 'it'\''s' -d 'envs/my dir' -w=-w`
	if got := c.String(); got != want {
		t.Errorf("String() = %s, want %s", got, want)
	}
}

func TestHelpText(t *testing.T) {
	t.Parallel()
	help := jobs.HelpText()
	for _, want := range []string{
		"`plumb plan [-p NAME]... [-d DIR] [-w WORKSPACE]`", "`plumb apply [-p NAME]... [-d DIR] [-w WORKSPACE]`",
		"`plumb unlock [-p NAME]...`", "`plumb approve_policies [-p NAME]...`", "`plumb help`", "write permission",
	} {
		if !strings.Contains(help, want) {
			t.Errorf("help lacks %q:\n%s", want, help)
		}
	}
}

func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{
		"plumb plan", "plumb apply -p a -p b -d envs/dev -w ws", "plumb unlock --project=x", " plumb help\nmore",
		`plumb plan -d 'a b' -p "c\"d" -w e\ f`, "plumb plan -p=-x", "plumb approve_policies -p", "plumb 'plan", "hello",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		cmd, isCommand, err := jobs.ParseCommand(body)
		switch {
		case !isCommand && err != nil:
			t.Fatalf("not a command but an error: %v", err)
		case err != nil && plumb.ErrorCode(err) != plumb.EINVALID:
			t.Fatalf("error %v has code %q, want %q", err, plumb.ErrorCode(err), plumb.EINVALID)
		case !isCommand || err != nil:
			return
		}
		again, isCommand, err := jobs.ParseCommand(cmd.String())
		if !isCommand || err != nil {
			t.Fatalf("%q re-rendered as %q: isCommand %v, err %v", body, cmd.String(), isCommand, err)
		}
		if d := cmp.Diff(cmd, again); d != "" {
			t.Fatalf("%q re-rendered as %q parses differently (-first +again):\n%s", body, cmd.String(), d)
		}
	})
}
