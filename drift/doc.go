// Package drift tells, from the engine's own plan, what changed outside
// Terraform from what the configuration would still do, per resource and
// attribute (Classify), and renders a sweep's findings as one HTML page
// (Report) and as plumb drift's table and JSON (WriteTable, NewSweepJSON).
//
// It is pure: it imports only the root package, terraform-json and the
// standard library, and does no I/O (no files, network, clock or engine);
// callers run the engine and pass its `show -json` document in.
//
// # Kinds
//
// out_of_band findings come from the plan's resource_drift: the real object
// differs from the state last applied (update, with the changed attribute
// paths, or delete: the object is gone, or the provider dropped it, as
// hashicorp/local does for an edited file and hashicorp/time for an expired
// time_rotating). pending findings come from resource_changes: what an apply
// of the configuration would still do, minus what only undoes an
// out-of-band change. The rules, in the order Classify applies them:
//
//   - Data sources, no-op and read actions are never findings.
//   - A resource with no out-of-band change: the engine's action is the
//     pending action (create, update, delete, replace; import for an import
//     block, forget for a removed block with destroy = false, both
//     state-only). update lists every attribute the plan changes, known or
//     not; replace the changed attributes the configuration sets plus the
//     engine's replace_paths; the others none.
//   - A move alone (previous_address, no-op) is not a finding: nothing
//     changes but the state's bookkeeping. A move with an action reports the
//     action at the new address.
//   - A resource with an out-of-band change: the baseline is the object as
//     last applied (resource_drift's before). A planned change is pending
//     only at the attributes whose planned, known value differs from that
//     baseline and that the configuration sets (or the plan makes null).
//     None: the change only restores the applied object (a deleted file
//     recreated, an edited attribute set back) and is out_of_band alone.
//     Some: pending update (restore of a deleted object, or an in-place
//     update) or replace with those attributes. A planned delete is always
//     pending.
//   - A resource with no out-of-band change whose planned update or
//     replace changes only values unknown until apply, all of them set by
//     expressions referring (among the resources the plan changes) only to
//     resources changed out of band, is not a finding: restoring those
//     changes it (a trigger on a deleted file's hash). A reference to a
//     variable, local, data source or module output keeps it pending.
//   - An out-of-band update with no changed value (only sensitivity, or
//     null against an empty collection) is not a finding.
//
// Any error (init, plan, show, a plan that errored or is incomplete) is
// status error with its message, never clean; a plan with no changes and no
// drift is clean.
//
// # Attribute paths
//
// A path starts at a top-level attribute name and adds ".key" for a nested
// attribute or map key that is an identifier ([A-Za-z_][A-Za-z0-9_-]*),
// ["key"] (Go-quoted) for any other map key, and [N] for a list or set
// element: "content", "tags.env", "rule[0].port",
// `labels["app.kubernetes.io/name"]`. Lists of different lengths are one
// path (the list). A path stops at a sensitive value (before_sensitive or
// after_sensitive is true there), so neither its value nor the keys inside
// it ever show; values never leave this package.
package drift
