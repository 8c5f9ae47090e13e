package plumb

import "time"

// RunKind is what a run does to a project.
type RunKind string

const (
	RunPlan  RunKind = "plan"
	RunApply RunKind = "apply"
	RunDrift RunKind = "drift"
)

// RunStatus is where a run is, or how it ended.
type RunStatus string

const (
	RunQueued    RunStatus = "queued"
	RunRunning   RunStatus = "running"
	RunChanges   RunStatus = "changes"
	RunNoChanges RunStatus = "no_changes"
	RunApplied   RunStatus = "applied"
	RunFailed    RunStatus = "failed"
	RunSkipped   RunStatus = "skipped" // not run because a project it depends on failed
	RunBlocked   RunStatus = "blocked" // not run because another owner holds the lock
)

// Done reports whether the status is final.
func (s RunStatus) Done() bool { return s != RunQueued && s != RunRunning }

// PlanSummary counts what a plan would do.
type PlanSummary struct {
	Add     int `json:"add"`
	Change  int `json:"change"`
	Destroy int `json:"destroy"`
	Replace int `json:"replace"`
	Import  int `json:"import"`
}

// Empty reports whether the plan changes nothing.
func (s PlanSummary) Empty() bool { return s == PlanSummary{} }

// ResourceChange is one resource a plan touches and the actions planned for it.
type ResourceChange struct {
	Address string   `json:"address"`
	Actions []string `json:"actions"`
	// Attributes are the top-level attributes an update changes (paths
	// only: values never leave the plan), sorted.
	Attributes []string `json:"attributes,omitempty"`
}

// Run is one plan, apply or drift check of one project at one commit.
// Everything in it has been redacted: it may be shown, stored and logged.
type Run struct {
	ID            string      `json:"id"`
	Repo          string      `json:"repo"`
	Project       string      `json:"project"`
	Dir           string      `json:"dir"`
	Workspace     string      `json:"workspace"`
	Kind          RunKind     `json:"kind"`
	Status        RunStatus   `json:"status"`
	Trigger       string      `json:"trigger"` // who asked: "cli", "PR #12", "main", "drift"
	Commit        string      `json:"commit"`
	Base          string      `json:"base,omitempty"`
	Engine        Engine      `json:"engine"`
	EngineVersion string      `json:"engine_version"`
	Summary       PlanSummary `json:"summary"`
	// ChangesOutside counts resources changed outside Terraform since the
	// last apply (the plan's resource_drift).
	ChangesOutside int              `json:"changes_outside"`
	Resources      []ResourceChange `json:"resources"`
	PlanText       string           `json:"plan_text,omitempty"`
	PlanSHA256     string           `json:"plan_sha256,omitempty"`
	Policy         *PolicyOutcome   `json:"policy,omitempty"`
	// Drift is a drift check's result (kind drift only).
	Drift *DriftResult `json:"drift,omitempty"`
	// Replanned says why an apply planned again instead of applying the
	// saved plan it was given (stale, other commit, missing).
	Replanned string `json:"replanned,omitempty"`
	// PlanID is the plan run an apply applied, or, when it refused to, the
	// new plan it made, kept so that an explicit apply can use it.
	PlanID string `json:"plan_id,omitempty"`
	// Differences says how that new plan differs from the reviewed one
	// (addresses, actions, changed attributes) when that is why an apply
	// applied nothing.
	Differences []string  `json:"differences,omitempty"`
	Error       string    `json:"error"`
	BlockedBy   string    `json:"blocked_by"`
	CreatedAt   time.Time `json:"created_at"`
	StartedAt   time.Time `json:"started_at,omitzero"`
	FinishedAt  time.Time `json:"finished_at,omitzero"`
	// Lease says which process works on an unfinished run and until when
	// it must renew that claim. CreateRun stores it; UpdateRun leaves it
	// (RenewRunLeases and ClaimExpiredRuns change it).
	Lease RunLease `json:"-"`
}

// RunLease is a process's claim on a run: when it passes Expires without
// renewal, the process is taken for dead and the run for interrupted.
type RunLease struct {
	Owner   string
	Expires time.Time
	// Job is the queue's job the run was made for (JobFrom), if any: the
	// one to hand to another replica once the run is recovered.
	Job string
}

// Duration is how long the run took, or zero while it has not finished.
func (r *Run) Duration() time.Duration {
	if r.StartedAt.IsZero() || r.FinishedAt.IsZero() {
		return 0
	}
	return r.FinishedAt.Sub(r.StartedAt)
}
