// Package policy evaluates Rego policies on plans the way conftest does, with
// OPA embedded as a library: a policy set is loaded and compiled once (Load),
// then checked against any number of documents (Set.Check), concurrently if
// need be.
//
// It owns conftest's conventions, and copies them on purpose, quirks
// included, so that teams' existing conftest policies give the same verdicts
// under plumb (cmd/plumb's side-by-side test runs both):
//
//   - Rules named deny, violation or warn, or one of them plus "_name"
//     (deny_no_tags), in the namespaces asked for (default main; glob
//     patterns; or every namespace the policies declare).
//   - A result is a string or an object with a string "msg" (other keys
//     become metadata, "_loc" its location); any other value is ignored, an
//     object without "msg" is an error.
//   - exception[rules] (a set of arrays of rule names without their deny_,
//     violation_ or warn_ prefix) silences every result of those rules and
//     counts as one exception each time it matches.
//   - Successes count as conftest counts them: one per rule query that
//     returns nothing, topped up to the number of rule bodies.
//   - data.conftest.file is the checked file's name and directory, and
//     opa.runtime() carries the environment only when Options.Env gives one.
//
// For plumb's own runs, Input adds input.plumb (plumb.PolicyInput) to the
// plan document, and Outcome turns results into a run's plumb.PolicyOutcome.
//
// It is pure: it imports only the root package, OPA and the standard library.
// It reads the policy and data files it is given, and for `plumb policy
// test` (conftest.go: ReadFiles, Set.Test, ExitCode, WriteJSON, WriteText)
// the plan files named, and nothing else: no network, no engine, no clock.
package policy
