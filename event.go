package plumb

import "time"

// EventKind is the kind of inbound forge event plumb acts on.
type EventKind string

const (
	EventPullRequest EventKind = "pull_request"
	EventPush        EventKind = "push"
	EventComment     EventKind = "issue_comment"
)

// Event is a verified inbound webhook delivery, reduced to what plumb needs.
type Event struct {
	Delivery string    `json:"delivery"` // X-GitHub-Delivery: the dedupe key
	Kind     EventKind `json:"kind"`
	Action   string    `json:"action"`
	Repo     string    `json:"repo"` // owner/name
	CloneURL string    `json:"clone_url"`
	PR       int       `json:"pr,omitempty"`
	BaseRef  string    `json:"base_ref,omitempty"`
	BaseSHA  string    `json:"base_sha,omitempty"`
	HeadRef  string    `json:"head_ref,omitempty"`
	HeadSHA  string    `json:"head_sha,omitempty"`
	Merged   bool      `json:"merged,omitempty"`
	// MergeCommitSHA is the commit a merged pull request landed as (the
	// merge commit, the squashed commit, or the last rebased one).
	MergeCommitSHA string `json:"merge_commit_sha,omitempty"`
	Draft          bool   `json:"draft,omitempty"`
	Fork           bool   `json:"fork,omitempty"`
	Sender         string `json:"sender"`
	// SenderType is the sender's account type: User, Bot or Organization.
	SenderType string    `json:"sender_type,omitempty"`
	ReceivedAt time.Time `json:"received_at"`
	// DefaultBranch is the repository's default branch, so a push to it
	// can be told from a push to any other branch.
	DefaultBranch string `json:"default_branch,omitempty"`
	// Comment is the body of an issue_comment, for comment commands.
	Comment string `json:"comment,omitempty"`
	// CommentID identifies the comment, for reactions.
	CommentID int64 `json:"comment_id,omitempty"`
	// OnIssue: the comment is on an issue labelled drift (PR is then its
	// number), not on a pull request; it may acknowledge the drift.
	OnIssue bool `json:"on_issue,omitempty"`
	// Ignored, when set, says why plumb does not act on this delivery
	// (an event kind or action it does not handle). The server answers 200
	// and does not queue it; Kind still names the event for metrics.
	Ignored string `json:"ignored,omitempty"`
}
