package plumb

import (
	"context"
	"time"
)

// Forge is where plumb reads pull requests and who may do what, and where
// results go back to people: GitHub (vcs). Jobs reach the forge only
// through it, so they never import vcs.
//
// Errors, for every method: EUNAUTHORIZED (bad credentials, no
// permission), ENOTFOUND (no such repository, pull request or comment),
// EINVALID (the forge rejected the request), EINTERNAL (5xx, rate limit,
// network: the forge adapter has already retried with backoff).
type Forge interface {
	// ReportPlans creates or edits in place plumb's one comment of r.Kind
	// on a pull request (split over several when long) and sets a commit
	// status per project on r.Head: "plumb/plan: <project>" for plans,
	// "plumb/apply: <project>" for applies (r.Head is then the merge
	// commit). A report without a PR only sets statuses.
	ReportPlans(ctx context.Context, r PlanReport) error
	// SetStatus sets one commit status, e.g. pending when a plan is queued.
	SetStatus(ctx context.Context, repo, sha string, s CommitStatus) error
	// PullRequest reads a pull request as it is now.
	PullRequest(ctx context.Context, repo string, number int) (*PullRequest, error)
	// PullRequestsOf lists the pull requests whose merge produced sha
	// (a push to the default branch that came from a merge).
	PullRequestsOf(ctx context.Context, repo, sha string) ([]PullRequest, error)
	// Reviews lists every review of a pull request, oldest first.
	Reviews(ctx context.Context, repo string, number int) ([]Review, error)
	// Permission is login's permission on repo: admin, maintain, write,
	// triage, read or none.
	Permission(ctx context.Context, repo, login string) (string, error)
	// TeamMember reports whether login is an active member of org's team
	// (its slug).
	TeamMember(ctx context.Context, org, team, login string) (bool, error)
	// React adds a reaction ("eyes", "+1", "confused", …) to an issue or
	// pull request comment.
	React(ctx context.Context, repo string, commentID int64, reaction string) error
	// Reply posts a plain comment (not plumb's edited-in-place report) on
	// an issue or pull request, e.g. the answer to a comment command.
	Reply(ctx context.Context, repo string, number int, body string) error
	// Login is the account plumb writes as, so jobs ignore its own comments.
	Login(ctx context.Context) (string, error)

	// Repository reads a repository's clone URL and default branch.
	Repository(ctx context.Context, repo string) (Repository, error)
	// ReportDrift keeps the one drift issue of r's project: created (label
	// drift, title "plumb drift: <project>", a hidden marker naming repo
	// and project) when the project drifts and has none; its body edited
	// in place while it drifts; closed with a comment when the project is
	// clean again; reopened with a comment when it drifts again. The
	// issue is found by r.Issue, else by its marker (so a renamed issue,
	// or one made before a restart, is still the one), never a second
	// one. A check that errored changes nothing. It returns the issue's
	// number (0 when the project has none).
	ReportDrift(ctx context.Context, r DriftReport) (int, error)
}

// Repository is what the drift sweep needs of a repository.
type Repository struct {
	FullName      string `json:"full_name"` // owner/name
	CloneURL      string `json:"clone_url"`
	DefaultBranch string `json:"default_branch"`
}

// DriftReport is one project's drift check, for its issue.
type DriftReport struct {
	Repo    string     `json:"repo"`
	Project string     `json:"project"`
	State   DriftState `json:"state"` // after the check: status, findings, first seen, since
	// Issue is the number the store knows for the project's issue, 0 if
	// none yet.
	Issue int `json:"issue"`
	// LastApply is the project's last successful apply (run ID, trigger
	// such as "PR #12", commit), from the audit trail; nil if none known.
	LastApply *Run `json:"last_apply,omitempty"`
	// Remediation says what the sweep did about the drift (an apply and
	// its outcome), empty when remediation is off.
	Remediation string `json:"remediation,omitempty"`
	// Resolve says how to make the project clean, for people.
	Resolve string `json:"resolve,omitempty"`
}

// CommitStatus is one status check on a commit.
type CommitStatus struct {
	Context     string `json:"context"` // "plumb/plan: app-dev"
	State       string `json:"state"`   // pending, success, failure, error
	Description string `json:"description"`
	TargetURL   string `json:"target_url,omitempty"`
}

// PlanReport is what one round of plans (or applies) of a change produced.
type PlanReport struct {
	Repo string `json:"repo"`
	PR   int    `json:"pr,omitempty"`
	// Kind is RunPlan (the default when empty) or RunApply: each kind has
	// its own comment on the pull request and its own status contexts.
	Kind     RunKind         `json:"kind,omitempty"`
	Base     string          `json:"base,omitempty"`
	Head     string          `json:"head"`
	Projects []ProjectReport `json:"projects"`
	// Unplanned lists the Terraform files the change touched that no
	// project plans, with why, so no change goes silently unplanned.
	Unplanned []Unplanned `json:"unplanned,omitempty"`
	// Note is a line shown under the summary (e.g. "Applying 2 of 3…").
	Note string `json:"note,omitempty"`
	// Invalid, when set, is the configuration error (FILE:LINE:COL: …)
	// that kept plumb from planning anything at Head.
	Invalid string `json:"invalid,omitempty"`
}

// ProjectReport is one project's part of a PlanReport.
type ProjectReport struct {
	Run     *Run     `json:"run"`
	Reasons []string `json:"reasons,omitempty"`
	// LockedBy names who holds the project's lock when it is not this
	// change, with a link when known.
	LockedBy string `json:"locked_by,omitempty"`
	LockURL  string `json:"lock_url,omitempty"`
	// LockPlace is this change's place in line for the lock (1 = next).
	LockPlace int `json:"lock_place,omitempty"`
	// LockAge is how long the holder has had the lock, and LockStale
	// whether that is older than the server's configured limit.
	LockAge   time.Duration `json:"lock_age,omitempty"`
	LockStale bool          `json:"lock_stale,omitempty"`
	// Differences lists how a new plan differs from the reviewed one, when
	// that is why it was not applied.
	Differences []string `json:"differences,omitempty"`
	// Next tells people what to do next ("comment `plumb apply`").
	Next string `json:"next,omitempty"`
}

// PullRequest is a pull request as the forge reports it.
type PullRequest struct {
	Number         int    `json:"number"`
	State          string `json:"state"` // open, closed
	Author         string `json:"author"`
	HeadRef        string `json:"head_ref"`
	HeadSHA        string `json:"head_sha"`
	BaseRef        string `json:"base_ref"`
	BaseSHA        string `json:"base_sha"`
	Merged         bool   `json:"merged"`
	MergeCommitSHA string `json:"merge_commit_sha,omitempty"`
	// Mergeable is nil while GitHub is still computing it.
	Mergeable      *bool  `json:"mergeable,omitempty"`
	MergeableState string `json:"mergeable_state,omitempty"` // clean, blocked, behind, dirty, unstable, …
	Draft          bool   `json:"draft"`
	Fork           bool   `json:"fork"` // the head repository is not the base repository
	CloneURL       string `json:"clone_url,omitempty"`
	URL            string `json:"url,omitempty"` // web page
}

// Review is one review of a pull request.
type Review struct {
	User      string `json:"user"`
	State     string `json:"state"` // APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED
	CommitSHA string `json:"commit_sha"`
}

// Issue is a forge issue, as the drift sweep keeps them.
type Issue struct {
	Number int      `json:"number"`
	Title  string   `json:"title"`
	Body   string   `json:"body"`
	State  string   `json:"state"` // open, closed
	URL    string   `json:"url"`
	Labels []string `json:"labels,omitempty"`
}
