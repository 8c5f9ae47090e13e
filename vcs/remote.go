package vcs

import (
	"net/url"
	"sort"
	"strings"
)

// A repository's key in plumb's store (state, locks, runs, worktrees) is
// its GitHub "owner/name", which plumb serve reads from every webhook. The
// CLI learns it from the repository's GitHub remote, so a CLI apply and a
// server plan on one data dir share one state. This file is pure parsing:
// RepoKeyOf (repokey.go) reads the remotes.

// PickRemote chooses the remote naming the repository: origin, else the
// only remote. remotes maps a remote's name to its URLs (the first is
// fetched from). ok is false when there is no origin and not exactly one
// remote, or the chosen one has no URL.
func PickRemote(remotes map[string][]string) (name, rawURL string, ok bool) {
	if urls, has := remotes["origin"]; has {
		name = "origin"
		if len(urls) > 0 {
			return name, urls[0], true
		}
		return name, "", false
	}
	if len(remotes) != 1 {
		return "", "", false
	}
	for n, urls := range remotes {
		if len(urls) > 0 {
			return n, urls[0], true
		}
		return n, "", false
	}
	return "", "", false
}

// RepoNameFromURL returns "owner/name" for a GitHub (or GitHub Enterprise,
// any host) remote URL:
//
//	https://host[:port]/owner/name[.git][/]   (http too, user info allowed)
//	ssh://[user@]host[:port]/owner/name[.git]   (git:// too)
//	[user@]host:owner/name[.git]                (scp-like)
//
// Anything else (a local path, a file:// URL, a path deeper than
// owner/name as GitLab groups have) is not recognised: ok is false.
func RepoNameFromURL(raw string) (string, bool) {
	raw = strings.TrimSpace(raw)
	var path string
	if i := strings.Index(raw, "://"); i >= 0 {
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" || u.Hostname() == "" {
			return "", false
		}
		switch strings.ToLower(u.Scheme) {
		case "https", "http", "ssh", "git", "git+ssh", "ssh+git":
		default:
			return "", false
		}
		path = u.Path
	} else {
		// scp-like: a colon before any slash, and a host before it. A path
		// such as ./a:b or /srv/x.git has a slash first; C:\x is a drive.
		colon := strings.IndexByte(raw, ':')
		if colon <= 0 || strings.ContainsAny(raw[:colon], `/\`) {
			return "", false
		}
		host := raw[:colon]
		if at := strings.LastIndexByte(host, '@'); at >= 0 {
			host = host[at+1:]
		}
		if host == "" || len(host) == 1 {
			return "", false
		}
		path = raw[colon+1:]
	}
	path = strings.Trim(path, "/")
	owner, name, ok := strings.Cut(path, "/")
	if !ok {
		return "", false
	}
	name = strings.TrimSuffix(name, ".git")
	if !validRepoPart(owner) || !validRepoPart(name) {
		return "", false
	}
	return owner + "/" + name, true
}

// validRepoPart is an owner or repository name as GitHub allows them:
// letters, digits, '-', '_' and '.', and not "." or "..".
func validRepoPart(s string) bool {
	if s == "" || s == "." || s == ".." {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
		default:
			return false
		}
	}
	return true
}

// RemoteNames lists remotes for a message, sorted.
func RemoteNames(remotes map[string][]string) string {
	names := make([]string, 0, len(remotes))
	for n := range remotes {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}
