package plumb

import "context"

// Forge is where results go back to people: GitHub (vcs), or a file for
// `plumb plan --comment-out`.
type Forge interface {
	// ReportPlans posts or updates the one plumb comment of a pull request
	// (split over several when long) and a status per project.
	ReportPlans(ctx context.Context, r PlanReport) error
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
