// Command githubdemo is the GitHub that `make dashboard` (scripts/dashboard.sh)
// logs in with: vcs/githubtest in a process of its own, hosting the branches
// of `make demo`'s repository as one GitHub repository (acme/infra), with the
// OAuth login of the test OAuth app and demo users who may write (alice) or
// only read (bob). Once it is up it writes its URL, API token, OAuth client
// and webhook secret to -env-file as shell variables, for plumb serve; it
// runs until SIGINT or SIGTERM, and exits 1 if any request or answer broke
// GitHub's OpenAPI description (what would fail a test).
package main
