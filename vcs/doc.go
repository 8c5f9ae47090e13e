// Package vcs is plumb's adapter to version control and GitHub:
//   - git: commits read straight from a repository's objects with go-git (no
//     checkout) as an fs.FS, the files changed between two commits, and bare
//     mirrors of forge repositories fetched over HTTPS (mirror.go);
//   - GitHub: verified webhooks parsed into plumb.Event (webhook.go), the
//     plan comment rendered and split (comment*.go), and the Forge that edits
//     it in place and sets statuses, with token or App auth (github.go).
//
// go-git and go-github types never leave this package. It imports only the
// root package; vcs/githubtest is the test-only GitHub server.
package vcs
