// Package planout reads what an engine's plan puts out: the plan document
// (`show -json`) summarised and redacted, the human-readable plan trimmed
// for a comment, and the machine-readable events OpenTofu streams while it
// plans (`-json-into`), which carry the summary without a second engine
// start. It runs nothing and keeps nothing: the runner does both.
package planout
