// Package dashboard is plumb serve's web UI and JSON API: the estate
// (environments × projects), projects, runs with their live log, locks,
// drift and the audit trail, under / and /api/v1/, behind a GitHub OAuth
// login (or an admin token for the API).
//
// It reads the plumb.Store and asks GitHub, through plain HTTP (the OAuth
// web flow, GET /user) and a Permissions source wired by cmd/plumb, who
// may see and change what. Pages are html/template with embedded assets
// and work without JavaScript; a small script follows a running log
// (SSE). The JSON shapes and tables here are also plumb runs' and plumb
// audit's, so the CLI and the API agree.
//
// dashboard imports only the root package (see import_test.go).
package dashboard
