package vcs

import (
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// DefaultBranch names the repository's default branch as the ref to
// check it at: the branch origin/HEAD points to (as a clone records it),
// else main or master when the repository has that branch, else the
// branch checked out. It returns "HEAD" when none of those exist (a
// detached checkout of a repository without those branches).
func (r *Repo) DefaultBranch() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if ref, err := r.repo.Reference(plumbing.NewRemoteHEADReferenceName("origin"), false); err == nil && ref.Type() == plumbing.SymbolicReference {
		name := strings.TrimPrefix(ref.Target().String(), "refs/remotes/")
		if _, err := r.repo.Reference(ref.Target(), true); err == nil {
			return name
		}
	}
	for _, b := range []string{"main", "master"} {
		if _, err := r.repo.Reference(plumbing.NewBranchReferenceName(b), true); err == nil {
			return b
		}
	}
	if head, err := r.repo.Head(); err == nil && head.Name().IsBranch() {
		return head.Name().Short()
	}
	return "HEAD"
}
