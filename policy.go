package plumb

import "time"

// PolicyResult is one policy verdict on one plan.
type PolicyResult struct {
	Namespace string `json:"namespace"`
	Rule      string `json:"rule"` // deny, violation, warn, or one of their _name variants
	Message   string `json:"msg"`
}

// PolicyOutcome sums up the policies checked against a plan. Passed is
// false when any deny or violation rule matched (conftest's failure);
// warnings never fail it. Exceptions lists the rules an exception
// silenced, with conftest's message (the exception query).
type PolicyOutcome struct {
	Passed     bool           `json:"passed"`
	Deny       []PolicyResult `json:"deny"`
	Warn       []PolicyResult `json:"warn"`
	Exceptions []PolicyResult `json:"exceptions,omitempty"`
}

// PolicyApproval records that By approved the policy denials of one plan:
// the run RunID whose saved plan file hashes to PlanSHA256. It approves
// that plan only; a new plan of the project needs a new approval.
type PolicyApproval struct {
	ID         string    `json:"id"`
	Repo       string    `json:"repo"`
	Project    string    `json:"project"`
	RunID      string    `json:"run_id"`
	PlanSHA256 string    `json:"plan_sha256"`
	By         string    `json:"by"`
	CreatedAt  time.Time `json:"created_at"`
}

// PolicyInputVersion is input.plumb.format_version. It changes only when a
// field of PolicyInput changes meaning or goes away; new fields keep it.
const PolicyInputVersion = "1"

// PolicyInput is input.plumb: what plumb knows of a plan besides the plan
// document itself, which is the rest of input (exactly the engine's
// `show -json`, as conftest sees it). Policies read it as, e.g.,
// input.plumb.environment or input.plumb.approvers.
type PolicyInput struct {
	FormatVersion string `json:"format_version"` // PolicyInputVersion
	Project       string `json:"project"`
	Dir           string `json:"dir"` // repo-relative
	Workspace     string `json:"workspace"`
	Environment   string `json:"environment"` // "" when the project has none
	Commit        string `json:"commit"`
	PR            int    `json:"pr"`     // 0 outside a pull request
	Author        string `json:"author"` // the pull request's author, "" outside one
	// Approvers are the logins that approved the pull request: [] when
	// none did or outside a pull request.
	Approvers []string `json:"approvers"`
	// ChangedFiles are the repo-relative paths the change touched: [] when
	// plumb planned a commit rather than a change.
	ChangedFiles []string `json:"changed_files"`
	// Drift holds the project's last drift findings; null when plumb has
	// none for it (never swept), [] when the last sweep found none.
	Drift []DriftFinding `json:"drift"`
}
