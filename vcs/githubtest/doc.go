// Package githubtest is a test-only GitHub: an in-process server for the
// REST API calls plumb makes and for git over smart HTTP, plus real
// webhook payloads to deliver.
//
//   - Every request is checked against the subset of GitHub's OpenAPI
//     description in testdata (scripts/github-fixtures.sh), and so is every
//     answer: a request GitHub would reject, or an answer that does not
//     match GitHub's schema for its status, fails the test.
//   - State a test sets up or inspects: pull requests (AddPull, Pull,
//     MergePull for a real merge in the bare repository from InitRepo),
//     comments, reactions, statuses, reviews, permissions, team members,
//     issues as people touch them (AddIssue, RenameIssue, DeleteIssue,
//     Issues) and the repository's default branch (SetDefaultBranch).
//   - Faults a test asks for (Inject, InjectRoute and their shorthands):
//     5xx, primary and secondary rate limits, 422 validation failures.
//   - The OAuth web flow (oauth.go): /login/oauth/authorize with a sign-in
//     form, /login/oauth/access_token for OAuthClientID and OAuthSecret;
//     the token acts as the user who signed in (GET /user, OAuthLogins).
//   - Deliveries: Payload, Edit, SetRepo, PullRequestPayload, PushPayload,
//     CommentPayload, signed by Headers or Deliver.
//
// It imports no plumb package.
package githubtest
