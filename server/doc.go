// Package server is plumb's HTTP intake: POST /events (GitHub webhooks),
// /healthz, /readyz and /metrics, and the dashboard.
//
// It owns no parsing and no storage: a Parser (vcs's webhook verifier,
// wired by cmd/plumb) turns a delivery into a plumb.Event, and a
// plumb.EventSink (the queue) stores it durably before the 202. No work
// starts in a request.
//
// With a dashboard (package server/dashboard) it also serves the web UI
// under / and the JSON API under /api/v1/, both behind a login, and can put
// /metrics behind it (MetricsAuth).
//
// server imports only the root package and its own server/dashboard (see
// import_test.go).
package server
