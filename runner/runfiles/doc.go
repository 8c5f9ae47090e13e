// Package runfiles keeps the files of runs where replicas find them: each
// run's directory in the data dir (<data>/runs/<id>/), and, when replicas
// share an artifact store (plumb.Artifacts), copies there under
// runs/<id>/, so a replica that never saw a run applies its saved plan and
// reads its redacted plan and log. It knows the files' names and a plan's
// meta (Meta); deciding whether a plan may be applied is runner's.
//
// It imports only the root and engine.
package runfiles
