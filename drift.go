package plumb

import "time"

// DriftKind tells out-of-band changes from merged-but-unapplied config.
type DriftKind string

const (
	// DriftOutOfBand: the real object differs from the state last applied.
	DriftOutOfBand DriftKind = "out_of_band"
	// DriftPending: the configuration differs from what is applied.
	DriftPending DriftKind = "pending"
)

// DriftFinding is one drifted resource. Action is, for out_of_band, what
// happened outside (update, delete) and, for pending, what an apply would do
// (create, update, delete, replace, and the state-only import and forget).
// Attributes are paths such as "content", "tags.env", "rule[0].port" or
// `labels["app.kubernetes.io/name"]` (see package drift), never values.
type DriftFinding struct {
	Address    string    `json:"address"`
	Kind       DriftKind `json:"kind"`
	Action     string    `json:"action"`
	Attributes []string  `json:"attributes"`
	// Acknowledged is set only while an acknowledgement holds (not expired,
	// finding unchanged): the finding is listed but counts toward neither
	// the status nor the exit code.
	Acknowledged *DriftAck `json:"acknowledged,omitempty"`
}

// DriftAck is who acknowledged a known finding, why, and until when.
type DriftAck struct {
	By     string    `json:"by"`
	Reason string    `json:"reason"`
	Until  time.Time `json:"until"`
}

// DriftStatus sums up a project's findings.
type DriftStatus string

const (
	DriftClean          DriftStatus = "clean"
	DriftDrifted        DriftStatus = "drifted"
	DriftPendingOnly    DriftStatus = "pending"
	DriftDriftedPending DriftStatus = "drifted_pending"
	DriftError          DriftStatus = "error"
)

// DriftResult is one project's drift check: its status, its findings
// (never nil, so JSON shows []) and, for status error, the message.
type DriftResult struct {
	Status    DriftStatus    `json:"status"`
	Resources []DriftFinding `json:"resources"`
	Error     string         `json:"error"`
}
