package vcs_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	gogit "github.com/go-git/go-git/v5"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/vcs"
	"github.com/plumbhq/plumb/vcs/githubtest"
)

// A GitHub App on an Enterprise Server: the installation token is minted
// with the App's JWT under /api/v3, used for the API and for git, and
// taught to the redactor.
func TestGitHubAppOnEnterprise(t *testing.T) {
	srv := githubtest.NewServer(t)
	srv.AddPull(owner, name, githubtest.PullRequest{Number: 7, HeadSHA: headSHA})
	red := plumb.NewRedactor()
	gh, err := vcs.NewGitHub(vcs.GitHubConfig{BaseURL: srv.EnterpriseURL(), AppID: githubtest.AppID,
		InstallationID: githubtest.InstallationID, PrivateKey: srv.AppKey(), Redactor: red})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := gh.ReportPlans(ctx, report(run("app-dev", plumb.RunChanges, 1, ""))); err != nil {
		t.Fatal(err)
	}
	cs := plumbComments(t, srv)
	if len(cs) != 1 || cs[0].User != githubtest.AppLogin {
		t.Fatalf("comments %+v, want one by %s", cs, githubtest.AppLogin)
	}
	var sawToken, sawV3 bool
	for _, r := range srv.Requests() {
		sawToken = sawToken || strings.HasPrefix(r, "POST /api/v3/app/installations/777/access_tokens")
		sawV3 = sawV3 || strings.HasPrefix(r, "POST /api/v3/repos/acme/infra/statuses/")
	}
	if !sawToken || !sawV3 {
		t.Errorf("requests %v: want the token minted and the API under /api/v3", srv.Requests())
	}
	_, tok, err := gh.GitCredentials(ctx)
	if err != nil || !strings.HasPrefix(tok, "ghs_") {
		t.Fatalf("git credentials: %q, %v", tok, err)
	}
	if red.String("x "+tok) != "x "+plumb.Redacted {
		t.Error("installation token not known to the redactor")
	}
}

// go-git clones with the credentials in the Authorization header; the
// clone URL stays clean.
func TestGitCredentialsClone(t *testing.T) {
	b := setupGitHub(t)
	bare := b.srv.InitRepo(t, owner, name)
	work := t.TempDir()
	for _, args := range [][]string{
		{"init", "-q", "-b", "main"},
		{"-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "--allow-empty", "-m", "first"},
		{"push", "-q", bare, "main"},
	} {
		cmd := exec.Command("git", args...)
		cmd.Dir = work
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	ctx := context.Background()
	user, pass, err := b.gh.GitCredentials(ctx)
	if err != nil {
		t.Fatal(err)
	}
	url := b.srv.CloneURL(owner, name)
	if _, err := gogit.PlainCloneContext(ctx, filepath.Join(t.TempDir(), "c"), true, &gogit.CloneOptions{URL: url,
		Auth: &githttp.BasicAuth{Username: user, Password: pass}}); err != nil {
		t.Fatalf("go-git clone: %v", err)
	}
	h, err := b.gh.GitHeader(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("git", "-c", "http.extraHeader=Authorization: "+h.Get("Authorization"), "clone", "-q", "--bare", url, filepath.Join(t.TempDir(), "d"))
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git clone with GitHeader: %v\n%s", err, out)
	}
	for _, r := range b.srv.Requests() {
		if strings.Contains(r, pass) {
			t.Errorf("token in a URL: %s", r)
		}
	}
}

func TestNewGitHubConfigErrors(t *testing.T) {
	red := plumb.NewRedactor()
	for name, cfg := range map[string]vcs.GitHubConfig{
		"nothing":         {Redactor: red},
		"no redactor":     {Token: "ghp_abcdef"},
		"both":            {Token: "ghp_abcdef", AppID: 1, InstallationID: 2, PrivateKey: []byte("x"), Redactor: red},
		"app without key": {AppID: 1, InstallationID: 2, Redactor: red},
		"app bad key":     {AppID: 1, InstallationID: 2, PrivateKey: []byte("not a pem"), Redactor: red},
		"relative url":    {Token: "ghp_abcdef", BaseURL: "ghe.example.com", Redactor: red},
	} {
		if _, err := vcs.NewGitHub(cfg); plumb.ErrorCode(err) != plumb.EINVALID {
			t.Errorf("%s: err = %v, want invalid", name, err)
		}
	}
}
