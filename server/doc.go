// Package server is plumb's HTTP intake: POST /events (GitHub webhooks),
// /healthz, /readyz and /metrics.
//
// It owns no parsing and no storage: a Parser (vcs's webhook verifier,
// wired by cmd/plumb) turns a delivery into a plumb.Event, and a
// plumb.EventSink (the queue) stores it durably before the 202. No work
// starts in a request.
//
// server imports only the root package (see import_test.go).
package server
