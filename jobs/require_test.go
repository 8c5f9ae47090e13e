package jobs

import (
	"strings"
	"testing"

	"github.com/plumbhq/plumb"
)

func TestApproval(t *testing.T) {
	t.Parallel()
	pr := &plumb.PullRequest{Number: 7, Author: "octocat", HeadSHA: "head"}
	for name, tc := range map[string]struct {
		reviews []plumb.Review
		want    string // "" = approved; else a part of why not
	}{
		"approved at head":         {[]plumb.Review{{User: "alice", State: "APPROVED", CommitSHA: "head"}}, ""},
		"none":                     {nil, "no approving review"},
		"only the author":          {[]plumb.Review{{User: "octocat", State: "APPROVED", CommitSHA: "head"}}, "other than its author"},
		"an older commit":          {[]plumb.Review{{User: "alice", State: "APPROVED", CommitSHA: "old"}}, "no approving review"},
		"a comment keeps approval": {[]plumb.Review{{User: "alice", State: "APPROVED", CommitSHA: "head"}, {User: "alice", State: "COMMENTED", CommitSHA: "head"}}, ""},
		"changes requested after": {[]plumb.Review{{User: "alice", State: "APPROVED", CommitSHA: "head"}, {User: "bob", State: "CHANGES_REQUESTED", CommitSHA: "head"}},
			"changes requested by bob"},
		"request withdrawn by approval": {[]plumb.Review{{User: "bob", State: "CHANGES_REQUESTED", CommitSHA: "old"}, {User: "bob", State: "APPROVED", CommitSHA: "head"}}, ""},
		"approval dismissed":            {[]plumb.Review{{User: "alice", State: "APPROVED", CommitSHA: "head"}, {User: "alice", State: "DISMISSED", CommitSHA: "head"}}, "no approving review"},
	} {
		got := approval(tc.reviews, pr)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("%s: approval = %q, want %q", name, got, tc.want)
		}
	}
}

func TestSelector(t *testing.T) {
	t.Parallel()
	p := plumb.Project{Name: "app-dev", Dir: "envs/dev/app"}
	for _, tc := range []struct {
		sel  Selector
		want bool
	}{
		{Selector{}, true},
		{Selector{Projects: []string{"app-dev", "x"}}, true},
		{Selector{Projects: []string{"x"}}, false},
		{Selector{Dir: "envs/dev/app"}, true},
		{Selector{Dir: "envs/dev"}, false},
		{Selector{Workspace: "default"}, true},
		{Selector{Workspace: "staging"}, false},
	} {
		if got := tc.sel.match(p); got != tc.want {
			t.Errorf("%s matches app-dev: %v, want %v", tc.sel, got, tc.want)
		}
	}
}
