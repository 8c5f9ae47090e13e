package main

import (
	"os"

	"github.com/spf13/pflag"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/vcs"
)

// githubAuth is how serve speaks to GitHub: a token, or a GitHub App's id,
// installation and private key (docs/github.md recommends the App: its
// tokens last an hour and are scoped to the installation).
type githubAuth struct {
	Token          string
	AppID          int64
	InstallationID int64
	AppKeyFile     string
	appKey         []byte // AppKeyFile read by check
}

func (a *githubAuth) flags(fs *pflag.FlagSet) {
	fs.StringVar(&a.Token, "github-token", "", "GitHub token for comments, statuses and clones (or a GitHub App: --github-app-id)")
	fs.Int64Var(&a.AppID, "github-app-id", 0, "GitHub App id plumb speaks as, instead of a token (with --github-app-installation-id and --github-app-private-key-file)")
	fs.Int64Var(&a.InstallationID, "github-app-installation-id", 0, "the GitHub App's installation on the repositories (the number ending its settings URL)")
	fs.StringVar(&a.AppKeyFile, "github-app-private-key-file", "", "PEM file of the GitHub App's private key")
}

// configured reports whether any GitHub credentials were given.
func (a *githubAuth) configured() bool { return a.Token != "" || a.AppID != 0 }

// check reads the App's key and refuses half an App or two kinds of
// credentials, naming the flags, before serve starts.
func (a *githubAuth) check() error {
	app := a.AppID != 0 || a.InstallationID != 0 || a.AppKeyFile != ""
	switch {
	case !app:
		return nil
	case a.Token != "":
		return plumb.Errorf(plumb.EINVALID, "serve: --github-token and --github-app-*: give one kind of GitHub credentials")
	case a.AppID <= 0 || a.InstallationID <= 0 || a.AppKeyFile == "":
		return plumb.Errorf(plumb.EINVALID, "serve: a GitHub App needs all three of --github-app-id, --github-app-installation-id and --github-app-private-key-file")
	}
	key, err := os.ReadFile(a.AppKeyFile)
	if err != nil {
		return plumb.Errorf(plumb.EINVALID, "serve: --github-app-private-key-file: %w", err)
	}
	a.appKey = key
	return nil
}

// secrets are the credentials' values, for the redactor and for keeping
// them from engines.
func (a *githubAuth) secrets() []string {
	var s []string
	if a.Token != "" {
		s = append(s, a.Token)
	}
	if len(a.appKey) > 0 {
		s = append(s, string(a.appKey))
	}
	return s
}

func (a *githubAuth) config(baseURL string) vcs.GitHubConfig {
	return vcs.GitHubConfig{BaseURL: baseURL, Token: a.Token, AppID: a.AppID, InstallationID: a.InstallationID, PrivateKey: a.appKey}
}
