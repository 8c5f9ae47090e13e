package vcs

import (
	"strings"
	"testing"
)

func TestRepoNameFromURL(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]string{
		"https://github.com/acme/infra.git":                  "acme/infra",
		"https://github.com/acme/infra":                      "acme/infra",
		"https://github.com/acme/infra/":                     "acme/infra",
		"https://github.com/acme/infra.git/":                 "acme/infra",
		"http://127.0.0.1:41234/acme/infra.git":              "acme/infra",
		"https://x-access-token:ghp_x@github.com/acme/i.git": "acme/i",
		"https://ghe.example.com/Platform-Team/infra.tf":     "Platform-Team/infra.tf",
		"git@github.com:acme/infra.git":                      "acme/infra",
		"git@github.com:acme/infra":                          "acme/infra",
		"git@github.com:/acme/infra.git":                     "acme/infra",
		"org-123@ghe.example.com:acme/infra.git":             "acme/infra",
		"github.com:acme/infra":                              "acme/infra",
		"ssh://git@github.com/acme/infra.git":                "acme/infra",
		"ssh://git@ghe.example.com:2222/acme/infra.git":      "acme/infra",
		"SSH://git@github.com/acme/infra":                    "acme/infra",
		"git://github.com/acme/infra.git":                    "acme/infra",
		"  https://github.com/acme/infra.git\n":              "acme/infra",
		"https://github.com/acme/my_repo.v2.git":             "acme/my_repo.v2",

		// Not a GitHub repository: the CLI keeps the local path.
		"":                                       "",
		"/srv/git/infra.git":                     "",
		"../infra":                               "",
		"./a:b/c":                                "",
		"file:///srv/git/acme/infra.git":         "",
		"C:/repos/acme/infra":                    "",
		"https://github.com/acme":                "",
		"https://github.com/":                    "",
		"https://gitlab.com/group/sub/infra.git": "",
		"https:///acme/infra":                    "",
		"git@github.com:acme":                    "",
		"git@github.com:acme/in fra":             "",
		"git@github.com:acme/..":                 "",
		"https://github.com/acme/.git":           "",
		"ftp://github.com/acme/infra":            "",
		"git@:acme/infra":                        "",
	} {
		got, ok := RepoNameFromURL(raw)
		if got != want || ok != (want != "") {
			t.Errorf("RepoNameFromURL(%q) = %q, %v; want %q", raw, got, ok, want)
		}
	}
}

func TestPickRemote(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		remotes map[string][]string
		want    string // remote name, "" for none
	}{
		{"origin wins", map[string][]string{"upstream": {"u"}, "origin": {"o"}}, "origin"},
		{"the only one", map[string][]string{"upstream": {"u"}}, "upstream"},
		{"several, no origin", map[string][]string{"a": {"a"}, "b": {"b"}}, ""},
		{"none", nil, ""},
		{"origin without a URL", map[string][]string{"origin": nil, "b": {"b"}}, ""},
	} {
		name, _, ok := PickRemote(tc.remotes)
		if ok != (tc.want != "") || (ok && name != tc.want) {
			t.Errorf("%s: PickRemote = %q, %v; want %q", tc.name, name, ok, tc.want)
		}
	}
}

// FuzzRepoNameFromURL: whatever a remote URL holds, a recognised name is
// one owner and one repository of allowed characters, and it survives
// being written back as an https or scp-like URL.
func FuzzRepoNameFromURL(f *testing.F) {
	for _, s := range []string{"https://github.com/acme/infra.git", "git@github.com:acme/infra", "ssh://git@h:22/a/b.git",
		"/srv/x.git", "C:/x/y", "https://h/a/b/c", "git@h:a/.git", "http://[::1]:80/a/b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		name, ok := RepoNameFromURL(raw)
		if !ok {
			if name != "" {
				t.Fatalf("%q: not ok but named %q", raw, name)
			}
			return
		}
		owner, repo, found := strings.Cut(name, "/")
		if !found || !validRepoPart(owner) || !validRepoPart(repo) {
			t.Fatalf("%q: bad name %q", raw, name)
		}
		for _, back := range []string{"https://github.com/" + name + ".git", "git@github.com:" + name + ".git"} {
			if again, ok := RepoNameFromURL(back); !ok || again != name {
				t.Fatalf("%q: %q → %q, %v; want %q", raw, back, again, ok, name)
			}
		}
	})
}
