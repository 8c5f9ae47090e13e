package plumb

import "context"

// Forge is where results go back to people: GitHub (vcs), or a file for
// `plumb plan --comment-out`.
type Forge interface {
	// ReportPlans creates or edits in place the one plumb comment of a pull
	// request (split over several when long) and sets a commit status per
	// project ("plumb/plan: <project>") on r.Head.
	ReportPlans(ctx context.Context, r PlanReport) error
	// SetStatus sets one commit status, e.g. pending when a plan is queued.
	SetStatus(ctx context.Context, repo, sha string, s CommitStatus) error
}

// CommitStatus is one status check on a commit.
type CommitStatus struct {
	Context     string `json:"context"` // "plumb/plan: app-dev"
	State       string `json:"state"`   // pending, success, failure, error
	Description string `json:"description"`
	TargetURL   string `json:"target_url,omitempty"`
}

// PlanReport is what one round of plans of a change produced.
type PlanReport struct {
	Repo     string          `json:"repo"`
	PR       int             `json:"pr,omitempty"`
	Base     string          `json:"base,omitempty"`
	Head     string          `json:"head"`
	Projects []ProjectReport `json:"projects"`
}

// ProjectReport is one project's part of a PlanReport.
type ProjectReport struct {
	Run     *Run     `json:"run"`
	Reasons []string `json:"reasons,omitempty"`
	// LockedBy names who holds the project's lock when it is not this
	// change, with a link when known.
	LockedBy string `json:"locked_by,omitempty"`
	LockURL  string `json:"lock_url,omitempty"`
}
