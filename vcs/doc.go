// Package vcs is plumb's adapter to version control: it reads commits
// straight from a git repository's objects with go-git (no checkout) and
// hands them on as an fs.FS, and it lists the files changed between two
// commits. go-git (and later go-github) types never leave this package.
//
// It imports only the root package.
package vcs
