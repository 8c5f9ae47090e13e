// Package vcs is plumb's adapter to version control and GitHub:
//   - git: commits read straight from a repository's objects with go-git (no
//     checkout) as an fs.FS, the files changed between two commits, and bare
//     mirrors of forge repositories fetched over HTTPS (mirror.go);
//   - GitHub: verified webhooks parsed into plumb.Event (webhook.go), the
//     plan and apply comments rendered and split (comment*.go), and the
//     Forge that edits them in place and sets statuses (github.go, status.go),
//     reads pull requests, reviews and permissions (pulls.go) and
//     repositories (repository.go), answers comment commands (issues.go),
//     keeps one drift issue per project (drift.go, its body driftissue.go),
//     with token or App auth (auth.go); every API call is retried on 5xx,
//     rate limits and network errors beneath go-github (retry.go).
//
// go-git and go-github types never leave this package. It imports only the
// root package; vcs/githubtest is the test-only GitHub server.
package vcs
