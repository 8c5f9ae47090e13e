package plumb

import (
	"context"
	"time"
)

// Store keeps plumb's durable records: runs and their logs, locks, the
// audit trail, each project's drift state and acknowledgements, and
// approvals of policy denials. store/sqlite and store/postgres implement
// it. Every implementation passes store/storetest.
//
// Records handed to a Store are already redacted.
type Store interface {
	// CreateRun stores a new run, setting CreatedAt when it is zero.
	// EINVALID when the ID is empty or taken.
	CreateRun(ctx context.Context, r *Run) error
	// UpdateRun replaces a stored run (all fields but CreatedAt and the
	// lease) while r.Lease.Owner still holds it. ECONFLICT when its lease
	// is another's (a replica claimed it: this process must stop working
	// on it); ENOTFOUND when there is none.
	UpdateRun(ctx context.Context, r *Run) error
	// Run returns one run. ENOTFOUND when there is none.
	Run(ctx context.Context, id string) (*Run, error)
	// Runs lists runs matching the filter, newest first (CreatedAt, then ID).
	Runs(ctx context.Context, f RunFilter) ([]*Run, error)
	// LatestRuns returns, of the runs matching the filter, the newest of
	// each repo and project, by repo then project (f.Limit and f.Before
	// are ignored): e.g. each project's last successful apply.
	LatestRuns(ctx context.Context, f RunFilter) ([]*Run, error)
	// AppendRunLog adds lines to a run's log. ENOTFOUND when the run does
	// not exist.
	AppendRunLog(ctx context.Context, runID string, lines ...string) error
	// RunLog returns a run's log lines in order. ENOTFOUND when the run does
	// not exist.
	RunLog(ctx context.Context, runID string) ([]string, error)
	// RenewRunLeases extends to until the lease of every unfinished
	// (queued or running) run owner holds, and returns how many.
	RenewRunLeases(ctx context.Context, owner string, until time.Time) (int, error)
	// ClaimExpiredRuns hands owner, until until, every unfinished run
	// whose lease ended before now (its process is gone), and returns them
	// with their new lease. Atomic across processes: of replicas claiming
	// at once, each run goes to one. A run stored without a lease counts
	// as expired.
	ClaimExpiredRuns(ctx context.Context, owner string, now, until time.Time) ([]*Run, error)

	// AcquireLock takes l.Key for l.Owner atomically, also against other
	// processes sharing the database; an empty ID or AcquiredAt is filled
	// in. If the same owner already holds it, the existing lock is returned
	// (re-entrant: compare its RunID or ID to tell). If another owner holds
	// it, the holder's lock is returned with ECONFLICT, whose message names
	// the holder and since when. EINVALID when Key.Dir or Owner is empty.
	AcquireLock(ctx context.Context, l Lock) (Lock, error)
	// When others wait in line for a free key (WaitForLock, not expired),
	// only the first of them may take it: anyone else gets ECONFLICT and a
	// Lock naming that waiter as Owner. Taking a key takes its owner out
	// of that key's line.
	//
	// UpdateLock changes the Reason and RunID of a held lock (e.g. "apply
	// interrupted …; state may be partial"). ENOTFOUND when there is none.
	UpdateLock(ctx context.Context, l Lock) error
	// WaitForLock puts w.Owner in line for w.Key, or refreshes its place
	// and expiry, and returns its place: 1 is next. EINVALID when Key.Dir,
	// Owner or Expires is empty.
	WaitForLock(ctx context.Context, w LockWaiter) (int, error)
	// LockWaiters lists who waits for a lock and has not expired, by key
	// then place.
	LockWaiters(ctx context.Context) ([]LockWaiter, error)
	// ReleaseLock frees a lock by ID. ENOTFOUND when there is none.
	ReleaseLock(ctx context.Context, id string) error
	// ReleaseLocksOwnedBy frees every lock an owner holds and returns them,
	// oldest first, and takes the owner out of every line; an owner
	// holding none is not an error.
	ReleaseLocksOwnedBy(ctx context.Context, owner string) ([]Lock, error)
	// Locks lists the held locks, oldest first.
	Locks(ctx context.Context) ([]Lock, error)
	// LockHolderPlans returns, for each held lock of repos (none: every
	// repo), the newest plan of its project its owner asked for (a pull
	// request's, Trigger "PR #12"): what merging it would apply. Brief
	// (see RunFilter), by repo then project; a lock whose owner has no
	// plan of its project has none.
	LockHolderPlans(ctx context.Context, repos []string) ([]*Run, error)

	// RecordAudit appends to the audit trail; an empty ID or At is filled
	// in. EINVALID when Actor or Action is empty.
	RecordAudit(ctx context.Context, a AuditEntry) error
	// Audit lists the audit entries matching the filter, newest first (At,
	// then ID).
	Audit(ctx context.Context, f AuditFilter) ([]AuditEntry, error)

	// SaveDriftState stores a project's drift state, replacing the one of
	// the same Repo and Project. EINVALID when either is empty.
	SaveDriftState(ctx context.Context, s DriftState) error
	// DriftState returns one project's drift state. ENOTFOUND when none.
	DriftState(ctx context.Context, repo, project string) (DriftState, error)
	// DriftStates lists the drift states of repo ("" = every repo), by
	// repo then project.
	DriftStates(ctx context.Context, repo string) ([]DriftState, error)
	// CreateDriftAck stores an acknowledgement; an empty ID or CreatedAt is
	// filled in. EINVALID when Repo, Project, By, Reason or Until is empty.
	CreateDriftAck(ctx context.Context, a *DriftAckRecord) error
	// DriftAcks lists acknowledgements, expired ones too, oldest first.
	DriftAcks(ctx context.Context) ([]DriftAckRecord, error)
	// DeleteDriftAck withdraws one. ENOTFOUND when there is none.
	DeleteDriftAck(ctx context.Context, id string) error

	// CreatePolicyApproval stores an approval of one plan's policy
	// denials; an empty ID or CreatedAt is filled in. EINVALID when Repo,
	// Project, RunID, PlanSHA256 or By is empty, or the ID is taken.
	CreatePolicyApproval(ctx context.Context, a *PolicyApproval) error
	// PolicyApprovals lists the approvals of plan run runID, oldest first.
	PolicyApprovals(ctx context.Context, runID string) ([]PolicyApproval, error)

	Close() error
}

// RunFilter narrows Runs. Zero fields match everything.
type RunFilter struct {
	Repo    string
	Project string
	Kind    RunKind
	Commit  string
	Trigger string // who asked: "PR #12", "cli", …
	Status  RunStatus
	// Repos, when not empty, keeps runs of these repos only.
	Repos []string
	// Since keeps runs created at or after it.
	Since time.Time
	// Before keeps runs older than a cursor: the next page of a listing.
	Before Cursor
	Limit  int
	// Brief leaves out, read as empty, what a summary shows none of: the
	// plan text, resources, policy outcome, differences, drift and lease.
	// The estate reads thousands of runs at once, and plan texts are large.
	Brief bool
}

// AuditFilter narrows Audit. Zero fields match everything.
type AuditFilter struct {
	Repo    string
	Project string
	Actor   string
	Action  string
	// Repos, when not empty, keeps entries of these repos only.
	Repos  []string
	Since  time.Time // at or after
	Before Cursor
	Limit  int
}

// Cursor marks where a listing, newest first, goes on: the entries older
// than At, or as old with a smaller ID. The zero Cursor starts at the
// newest.
type Cursor struct {
	At time.Time
	ID string
}

// IsZero reports whether c starts at the newest.
func (c Cursor) IsZero() bool { return c.At.IsZero() && c.ID == "" }

// AuditEntry is one line of the audit trail: who did what, to which project,
// at which commit, when, and how it ended.
type AuditEntry struct {
	ID      string    `json:"id"`
	At      time.Time `json:"at"`
	Actor   string    `json:"actor"`
	Action  string    `json:"action"` // plan, apply, drift, lock, unlock
	Repo    string    `json:"repo"`
	Project string    `json:"project"`
	Commit  string    `json:"commit"`
	RunID   string    `json:"run_id,omitempty"`
	Result  string    `json:"result"`
}
