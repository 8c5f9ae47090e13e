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

// DriftState is what plumb knows of one project's drift: its latest check
// and how long its findings have lasted. The drift sweep keeps one per
// project (Repo, Project) in the Store; every check is also a run of kind
// drift (the history).
type DriftState struct {
	Repo      string      `json:"repo"`
	Project   string      `json:"project"`
	Dir       string      `json:"dir"`
	Workspace string      `json:"workspace"`
	Status    DriftStatus `json:"status"`
	// Findings are the latest check's, acknowledgements applied.
	Findings []DriftFinding `json:"findings"`
	Error    string         `json:"error,omitempty"`
	// FirstSeen is when each current finding (by FindingKey) was first
	// seen; findings that went away are dropped.
	FirstSeen map[string]time.Time `json:"first_seen,omitempty"`
	// Since is the first check of the current run of non-clean checks;
	// zero while clean.
	Since time.Time `json:"since,omitzero"`
	// CheckedAt is the latest check; LastClean the latest clean one, so
	// FirstSeen - LastClean bounds how long a change took to be detected.
	CheckedAt time.Time `json:"checked_at,omitzero"`
	LastClean time.Time `json:"last_clean,omitzero"`
	RunID     string    `json:"run_id,omitempty"`
	Commit    string    `json:"commit,omitempty"`
	// Tick is the schedule tick the sweep last handled for the project
	// (checked or skipped), so a restart neither repeats nor misses one.
	Tick time.Time `json:"tick,omitzero"`
	// Issue is the forge issue kept for the project's drift, 0 for none.
	Issue int `json:"issue,omitempty"`
}

// FindingKey names a finding across checks: address, kind and action.
func FindingKey(f DriftFinding) string { return f.Address + " " + string(f.Kind) + " " + f.Action }

// DriftAckRecord is an acknowledgement of known drift (plumb drift ack):
// the project's findings at Address (every finding when Address is
// empty), as they were when acknowledged, stay out of the status, the
// exit code and the issue until Until or until they change.
type DriftAckRecord struct {
	ID      string `json:"id"`
	Repo    string `json:"repo"`
	Project string `json:"project"`
	Address string `json:"address,omitempty"`
	// Findings are the acknowledged findings as they were.
	Findings  []DriftFinding `json:"findings"`
	By        string         `json:"by"`
	Reason    string         `json:"reason"`
	Until     time.Time      `json:"until"`
	CreatedAt time.Time      `json:"created_at"`
}
