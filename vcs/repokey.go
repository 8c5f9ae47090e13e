package vcs

import "github.com/go-git/go-git/v5"

// RepoKey is a local repository's key in the store (runner.Target.Repo):
// owner/name from its GitHub remote, the key plumb serve uses, or else its
// local path.
type RepoKey struct {
	Key string
	// Local is the repository's path when Key is owner/name: the key CLI
	// runs used before, under which a data dir may still hold state.
	Local string
	// Why says, when Key is the local path, why there is no owner/name.
	Why string
}

// RepoKeyOf reads root's remotes: origin, else the only remote, names the
// repository when its URL is a GitHub one (any host).
func RepoKeyOf(root string) RepoKey {
	local := RepoKey{Key: root}
	// Repo does not expose remotes; the local config is all this reads.
	r, err := git.PlainOpenWithOptions(root, &git.PlainOpenOptions{DetectDotGit: true, EnableDotGitCommonDir: true})
	if err != nil {
		local.Why = "its git config could not be read"
		return local
	}
	cfg, err := r.Config()
	if err != nil {
		local.Why = "its git config could not be read"
		return local
	}
	remotes := map[string][]string{}
	for name, rc := range cfg.Remotes {
		remotes[name] = rc.URLs
	}
	remote, url, ok := PickRemote(remotes)
	switch {
	case len(remotes) == 0:
		local.Why = "it has no remote"
	case !ok && remote == "":
		local.Why = "none of its remotes (" + RemoteNames(remotes) + ") is origin"
	case !ok:
		local.Why = "its remote " + remote + " has no URL"
	default:
		name, ok := RepoNameFromURL(url)
		if ok {
			return RepoKey{Key: name, Local: root}
		}
		// The URL itself is not shown: it may carry a token.
		local.Why = "its remote " + remote + " is not a GitHub repository URL"
	}
	return local
}
