package vcs

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/plumbhq/plumb"
)

// Webhook headers GitHub sets on every delivery.
const (
	HeaderEvent     = "X-GitHub-Event"
	HeaderDelivery  = "X-GitHub-Delivery"
	HeaderSignature = "X-Hub-Signature-256"
)

// Webhooks turns GitHub deliveries into plumb events.
type Webhooks struct {
	// Secret is the webhook secret every delivery must be signed with.
	Secret []byte
	// Insecure skips the signature check (--insecure-skip-webhook-verify).
	// Without it an empty Secret rejects every delivery.
	Insecure bool
	// Now stamps ReceivedAt; time.Now when nil.
	Now func() time.Time
}

// ParseWebhook verifies and parses one delivery with secret. See
// Webhooks.Parse.
func ParseWebhook(secret []byte, h http.Header, body []byte) (plumb.Event, error) {
	w := Webhooks{Secret: secret}
	return w.Parse(h, body)
}

// Parse checks the delivery's X-Hub-Signature-256 against the secret before
// reading anything else, then reduces the payload to a plumb.Event.
//
// Errors: EUNAUTHORIZED for a missing, malformed or wrong signature (or no
// secret configured); EINVALID for a missing event or delivery header or a
// body that is not the JSON payload of its event. A delivery plumb does not
// act on (ping, other event kinds, other actions) is not an error: the
// Event comes back with Ignored saying why.
func (w *Webhooks) Parse(h http.Header, body []byte) (plumb.Event, error) {
	if !w.Insecure {
		if err := verify(w.Secret, h.Get(HeaderSignature), body); err != nil {
			return plumb.Event{}, err
		}
	}
	kind := h.Get(HeaderEvent)
	delivery := h.Get(HeaderDelivery)
	if kind == "" {
		return plumb.Event{}, plumb.Errorf(plumb.EINVALID, "webhook: missing %s header", HeaderEvent)
	}
	if delivery == "" {
		return plumb.Event{}, plumb.Errorf(plumb.EINVALID, "webhook: missing %s header", HeaderDelivery)
	}
	payload, err := payloadOf(h.Get("Content-Type"), body)
	if err != nil {
		return plumb.Event{}, err
	}
	now := time.Now
	if w.Now != nil {
		now = w.Now
	}
	ev := plumb.Event{Delivery: delivery, Kind: plumb.EventKind(kind), ReceivedAt: now().UTC()}
	switch kind {
	case "pull_request", "push", "issue_comment", "ping":
	default:
		// Still require JSON, so garbage is a 400 whatever the header says.
		if !json.Valid(payload) {
			return plumb.Event{}, plumb.Errorf(plumb.EINVALID, "webhook %s: body is not JSON", kind)
		}
		var p struct {
			Repository *struct {
				FullName string `json:"full_name"`
			} `json:"repository"`
		}
		if json.Unmarshal(payload, &p) == nil && p.Repository != nil {
			ev.Repo = p.Repository.FullName
		}
		ev.Ignored = "plumb does not act on " + kind + " events"
		return ev, nil
	}
	parsed, err := github.ParseWebHook(kind, payload)
	if err != nil {
		return plumb.Event{}, plumb.Errorf(plumb.EINVALID, "webhook %s: malformed payload: %w", kind, err)
	}
	switch p := parsed.(type) {
	case *github.PullRequestEvent:
		fromPullRequest(&ev, p)
	case *github.PushEvent:
		fromPush(&ev, p)
	case *github.IssueCommentEvent:
		fromIssueComment(&ev, p)
	case *github.PingEvent:
		if r := p.GetRepo(); r != nil {
			ev.Repo = r.GetFullName()
		}
		ev.Ignored = "ping"
	}
	return ev, nil
}

// verify checks an X-Hub-Signature-256 value ("sha256=<64 hex>") in
// constant time.
func verify(secret []byte, sig string, body []byte) error {
	if len(secret) == 0 {
		return plumb.Errorf(plumb.EUNAUTHORIZED, "webhook: no secret configured to verify %s", HeaderSignature)
	}
	if sig == "" {
		return plumb.Errorf(plumb.EUNAUTHORIZED, "webhook: missing %s header", HeaderSignature)
	}
	hexSig, ok := strings.CutPrefix(sig, "sha256=")
	got, err := hex.DecodeString(hexSig)
	if !ok || err != nil || len(got) != sha256.Size {
		return plumb.Errorf(plumb.EUNAUTHORIZED, "webhook: malformed %s header", HeaderSignature)
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return plumb.Errorf(plumb.EUNAUTHORIZED, "webhook: %s does not match the body", HeaderSignature)
	}
	return nil
}

// payloadOf returns the JSON payload: the body itself, or its payload field
// for webhooks configured with content type application/x-www-form-urlencoded.
// The signature covers the raw body either way.
func payloadOf(contentType string, body []byte) ([]byte, error) {
	mt, _, _ := mime.ParseMediaType(contentType)
	if mt != "application/x-www-form-urlencoded" {
		return body, nil
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, plumb.Errorf(plumb.EINVALID, "webhook: malformed form body: %w", err)
	}
	return []byte(form.Get("payload")), nil
}

// prActions are the pull request actions plumb acts on: plan on the first
// four, release locks (or apply, when merged) on closed.
var prActions = map[string]bool{"opened": true, "reopened": true, "synchronize": true, "ready_for_review": true, "closed": true}

func fromPullRequest(ev *plumb.Event, p *github.PullRequestEvent) {
	ev.Action = p.GetAction()
	fromRepo(ev, p.GetRepo(), p.GetSender())
	pr := p.GetPullRequest()
	ev.PR = p.GetNumber()
	if ev.PR == 0 {
		ev.PR = pr.GetNumber()
	}
	ev.BaseRef = pr.GetBase().GetRef()
	ev.BaseSHA = pr.GetBase().GetSHA()
	ev.HeadRef = pr.GetHead().GetRef()
	ev.HeadSHA = pr.GetHead().GetSHA()
	ev.Merged = pr.GetMerged()
	// Before a merge the field names GitHub's test merge commit, which
	// changes with every push and never lands: only a merge's is kept.
	if ev.Merged {
		ev.MergeCommitSHA = pr.GetMergeCommitSHA()
	}
	ev.Draft = pr.GetDraft()
	// A deleted fork leaves head.repo null: treat it as a fork, the safe side.
	head := pr.GetHead().GetRepo().GetFullName()
	ev.Fork = head == "" || !strings.EqualFold(head, pr.GetBase().GetRepo().GetFullName())
	if ev.Repo == "" {
		ev.Repo = pr.GetBase().GetRepo().GetFullName()
	}
	if !prActions[ev.Action] {
		ev.Ignored = "plumb does not act on pull_request " + ev.Action
	}
}

func fromPush(ev *plumb.Event, p *github.PushEvent) {
	r := p.GetRepo()
	ev.Sender, ev.SenderType = p.GetSender().GetLogin(), p.GetSender().GetType()
	ev.Repo, ev.CloneURL, ev.DefaultBranch = r.GetFullName(), r.GetCloneURL(), r.GetDefaultBranch()
	ev.BaseSHA = p.GetBefore()
	ev.HeadSHA = p.GetAfter()
	branch, ok := strings.CutPrefix(p.GetRef(), "refs/heads/")
	ev.HeadRef = branch
	switch {
	case !ok:
		ev.HeadRef = p.GetRef()
		ev.Ignored = "push of " + p.GetRef() + " is not a branch"
	case p.GetDeleted():
		ev.Ignored = "push deleted branch " + branch
	}
}

// fromRepo fills what every event says about its repository and sender.
func fromRepo(ev *plumb.Event, r *github.Repository, sender *github.User) {
	ev.Sender, ev.SenderType = sender.GetLogin(), sender.GetType()
	ev.Repo, ev.CloneURL, ev.DefaultBranch = r.GetFullName(), r.GetCloneURL(), r.GetDefaultBranch()
}

func fromIssueComment(ev *plumb.Event, p *github.IssueCommentEvent) {
	ev.Action = p.GetAction()
	fromRepo(ev, p.GetRepo(), p.GetSender())
	ev.PR = p.GetIssue().GetNumber()
	ev.Comment = p.GetComment().GetBody()
	ev.CommentID = p.GetComment().GetID()
	switch {
	case p.GetIssue() != nil && !p.GetIssue().IsPullRequest() && hasLabel(p.GetIssue(), DriftLabel):
		// A comment on a drift issue may acknowledge its drift.
		ev.OnIssue = true
		if ev.Action != "created" {
			ev.Ignored = "plumb does not act on issue_comment " + ev.Action
		}
	case p.GetIssue() == nil || !p.GetIssue().IsPullRequest(): // IsPullRequest panics on a nil issue
		ev.Ignored = "comment on an issue, not a pull request"
	case ev.Action != "created":
		ev.Ignored = "plumb does not act on issue_comment " + ev.Action
	}
}

func hasLabel(is *github.Issue, name string) bool {
	for _, l := range is.Labels {
		if strings.EqualFold(l.GetName(), name) {
			return true
		}
	}
	return false
}
