package plumb

// DriftKind tells out-of-band changes from merged-but-unapplied config.
type DriftKind string

const (
	// DriftOutOfBand: the real object differs from the state last applied.
	DriftOutOfBand DriftKind = "out_of_band"
	// DriftPending: the configuration differs from what is applied.
	DriftPending DriftKind = "pending"
)

// DriftFinding is one drifted resource.
type DriftFinding struct {
	Address    string    `json:"address"`
	Kind       DriftKind `json:"kind"`
	Action     string    `json:"action"` // create, update, delete, replace
	Attributes []string  `json:"attributes"`
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
