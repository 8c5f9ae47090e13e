package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/plumbhq/plumb/internal/stopsignal"
	"github.com/plumbhq/plumb/vcs/githubtest"
)

func main() {
	repo := flag.String("repo", "", "git repository whose branches the server hosts (make demo's)")
	name := flag.String("name", "acme/infra", "owner/name the repository is hosted as")
	writers := flag.String("write", "alice", "users with write permission on it, comma-separated")
	readers := flag.String("read", "bob", "users with read permission only, comma-separated")
	envFile := flag.String("env-file", "", "file to write the server's URL and credentials to once it is up")
	flag.Parse()
	owner, repoName, ok := strings.Cut(*name, "/")
	if *repo == "" || *envFile == "" || !ok {
		fmt.Fprintln(os.Stderr, "usage: githubdemo -repo DIR -env-file FILE [-name OWNER/NAME] [-write USERS] [-read USERS]")
		os.Exit(2)
	}
	ctx := stopsignal.Context()
	tb := &processTB{out: os.Stderr}
	err := serve(ctx, tb, *repo, owner, repoName, split(*writers), split(*readers), *envFile)
	tb.close()
	if err != nil {
		fmt.Fprintln(os.Stderr, "githubdemo:", err)
		os.Exit(1)
	}
	if tb.Failed() {
		fmt.Fprintln(os.Stderr, "githubdemo: plumb made requests GitHub would have refused (above)")
		os.Exit(1)
	}
}

// serve hosts repo until ctx ends. The env file appears only once the
// server answers and holds the repository, so a script may wait for it.
func serve(ctx context.Context, tb *processTB, repo, owner, name string, writers, readers []string, envFile string) error {
	gh := githubtest.NewServer(tb)
	bare := gh.InitRepo(tb, owner, name)
	// Every branch, so what plumb ran (main, and the demo's PR branch) is there.
	push := exec.CommandContext(ctx, "git", "-C", repo, "push", "--quiet", bare, "refs/heads/*:refs/heads/*")
	if out, err := push.CombinedOutput(); err != nil {
		return fmt.Errorf("git push %s to the test server: %v\n%s", repo, err, out)
	}
	for _, u := range writers {
		gh.SetPermission(owner, name, u, "write")
	}
	for _, u := range readers {
		gh.SetPermission(owner, name, u, "read")
	}
	vars := []string{
		"GITHUB_URL=" + gh.EnterpriseURL(), // the API under /api/v3, the login at the root
		"GITHUB_TOKEN=" + gh.Token(),
		"GITHUB_CLIENT_ID=" + githubtest.OAuthClientID,
		"GITHUB_CLIENT_SECRET=" + gh.OAuthSecret(),
		"GITHUB_WEBHOOK_SECRET=" + githubtest.Secret,
	}
	if err := writeEnv(envFile, vars); err != nil {
		return err
	}
	defer os.Remove(envFile)
	tb.Logf("GitHub test server at %s hosting %s/%s (write: %s; read: %s)", gh.WebURL(), owner, name,
		strings.Join(writers, ", "), strings.Join(readers, ", "))
	<-ctx.Done()
	return nil
}

// writeEnv writes vars as shell assignments, 0600 (they hold the token),
// by a rename so a reader never sees half a file.
func writeEnv(path string, vars []string) error {
	var b strings.Builder
	for _, v := range vars {
		k, val, _ := strings.Cut(v, "=")
		fmt.Fprintf(&b, "%s='%s'\n", k, strings.ReplaceAll(val, "'", `'\''`))
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".githubdemo-env-")
	if err != nil {
		return err
	}
	if _, err := tmp.WriteString(b.String()); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func split(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
