package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/plumbhq/plumb/internal/testenv"
	"github.com/plumbhq/plumb/vcs/githubtest"
)

// plumb serve speaks as a GitHub App (the setup docs/github.md recommends):
// it mints an installation token with the App's key, clones with it, and
// the pull request's comment is the App's; the key never reaches the log.
func TestServeAsGitHubApp(t *testing.T) {
	t.Parallel()
	w := newGitHubWorld(t)
	keyFile := filepath.Join(t.TempDir(), "app.pem")
	if err := os.WriteFile(keyFile, w.gh.AppKey(), 0o600); err != nil {
		t.Fatal(err)
	}
	env := append(testenv.Env(t), "TF_VAR_out_dir="+t.TempDir(),
		"PLUMB_GITHUB_APP_ID=4242", "PLUMB_GITHUB_APP_INSTALLATION_ID=777", "PLUMB_GITHUB_APP_PRIVATE_KEY_FILE="+keyFile)
	s := startServe(t, t.TempDir(), env, "--webhook-secret", githubtest.Secret, "--github-url", w.gh.EnterpriseURL())
	head := w.push("label", "modules/label/main.tf", "variable \"env\" {\n  type = string\n}\n\noutput \"name\" {\n  value = \"svc-${var.env}\"\n}\n")
	if resp := githubtest.Deliver(t, s.url("/events"), "pull_request", w.payload("opened", 7, "label", head, false)); resp.StatusCode != 202 {
		t.Fatalf("delivery: HTTP %d", resp.StatusCode)
	}
	w.waitKindComment(7, "plan", 2*time.Minute, "module.app.local_file.config")
	if cs := w.kindComments(7, "plan"); cs[0].User != githubtest.AppLogin {
		t.Errorf("comment by %q, want the App %q", cs[0].User, githubtest.AppLogin)
	}
	minted := false
	for _, r := range w.gh.Requests() {
		minted = minted || strings.HasPrefix(r, "POST /api/v3/app/installations/777/access_tokens")
	}
	if !minted {
		t.Error("no installation token minted")
	}
	s.stop(syscall.SIGTERM)
	keyLine := strings.Split(strings.TrimSpace(string(w.gh.AppKey())), "\n")[1]
	if log := s.log.tail(1 << 20); strings.Contains(log, keyLine) {
		t.Errorf("the App's private key is in serve's log:\n%s", log)
	}
}

// Half a GitHub App, or an App and a token, stop serve before it starts,
// naming the flags.
func TestServeGitHubAppFlagErrors(t *testing.T) {
	t.Parallel()
	keyFile := filepath.Join(t.TempDir(), "app.pem")
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"no key":        {[]string{"--github-app-id", "1", "--github-app-installation-id", "2"}, "needs all three of --github-app-id"},
		"no id":         {[]string{"--github-app-installation-id", "2", "--github-app-private-key-file", keyFile}, "needs all three"},
		"missing key":   {[]string{"--github-app-id", "1", "--github-app-installation-id", "2", "--github-app-private-key-file", keyFile}, "--github-app-private-key-file: open " + keyFile},
		"token and app": {[]string{"--github-token", "ghp_x", "--github-app-id", "1"}, "give one kind of GitHub credentials"},
	} {
		args := append([]string{"serve", "--data-dir", t.TempDir(), "--listen", "127.0.0.1:0", "--webhook-secret", "s"}, tc.args...)
		code, _, stderr := runMain(t, nil, args...)
		if code != 1 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want 1 and %q", name, code, stderr, tc.want)
		}
	}
}
