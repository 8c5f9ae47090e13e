package githubtest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Secret is the webhook secret Deliver and Headers sign with.
const Secret = "githubtest-webhook-secret"

// payloads are real deliveries from npm @octokit/webhooks-examples, named
// EVENT[.ACTION].json; made by scripts/github-fixtures.sh.
//
//go:embed testdata/webhooks/*.json
var payloads embed.FS

// PayloadNames lists the committed payloads ("pull_request.opened", ...).
func PayloadNames() []string {
	entries, _ := payloads.ReadDir("testdata/webhooks")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".json"))
	}
	return names
}

// Payload returns a real payload by name, e.g. "pull_request.opened".
func Payload(t testing.TB, name string) []byte {
	t.Helper()
	b, err := payloads.ReadFile("testdata/webhooks/" + name + ".json")
	if err != nil {
		t.Fatalf("githubtest: no payload %q (have %v)", name, PayloadNames())
	}
	return b
}

// EventOf is the X-GitHub-Event of a payload name: "pull_request.opened"
// is a pull_request event.
func EventOf(name string) string {
	ev, _, _ := strings.Cut(name, ".")
	return ev
}

// Edit sets fields of a payload by dotted path ("pull_request.head.sha",
// "pull_request.merged", "repository.clone_url") and leaves the rest as
// GitHub sent it. A path that does not already exist fails the test: edits
// change real fields, they never invent new ones.
func Edit(t testing.TB, body []byte, set map[string]any) []byte {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("githubtest: edit: %v", err)
	}
	for path, v := range set {
		keys := strings.Split(path, ".")
		m := doc
		for _, k := range keys[:len(keys)-1] {
			next, ok := m[k].(map[string]any)
			if !ok {
				t.Fatalf("githubtest: edit %s: %s is not an object in the payload", path, k)
			}
			m = next
		}
		last := keys[len(keys)-1]
		if _, ok := m[last]; !ok {
			t.Fatalf("githubtest: edit %s: no such field in the payload", path)
		}
		m[last] = v
	}
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatalf("githubtest: edit: %v", err)
	}
	return out
}

// SetRepo points every repository object of a pull_request, push,
// issue_comment or ping payload at owner/name served by s, so plumb can
// clone it: repository, and pull_request.base/head.repo where present.
func (s *Server) SetRepo(t testing.TB, body []byte, owner, name string) []byte {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("githubtest: set repo: %v", err)
	}
	set := map[string]any{}
	for _, prefix := range []string{"repository", "pull_request.base.repo", "pull_request.head.repo"} {
		if !hasPath(doc, prefix) {
			continue
		}
		set[prefix+".full_name"] = owner + "/" + name
		set[prefix+".name"] = name
		set[prefix+".clone_url"] = s.CloneURL(owner, name)
		set[prefix+".owner.login"] = owner
	}
	return Edit(t, body, set)
}

func hasPath(doc map[string]any, path string) bool {
	var cur any = doc
	for _, k := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return false
		}
		if cur, ok = m[k]; !ok {
			return false
		}
	}
	_, ok := cur.(map[string]any)
	return ok
}

// Sign returns the X-Hub-Signature-256 value GitHub sends for body.
func Sign(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

var deliveries atomic.Int64

// Headers are the headers of a delivery of event, signed with Secret and
// with a fresh X-GitHub-Delivery.
func Headers(event string, body []byte) http.Header {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "GitHub-Hookshot/githubtest")
	h.Set("X-GitHub-Event", event)
	h.Set("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-"+strconv.FormatInt(100000000000+deliveries.Add(1), 10))
	h.Set("X-Hub-Signature-256", Sign([]byte(Secret), body))
	return h
}

// Deliver POSTs a signed delivery of event to url, as GitHub would, and
// returns the response (closed by the test's cleanup).
func Deliver(t testing.TB, url, event string, body []byte) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = Headers(event, body)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("githubtest: deliver %s: %v", event, err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// OnPullRequest turns an issue_comment payload (every example is on a plain
// issue) into a comment on pull request number of owner/name: it sets
// issue.number and adds issue.pull_request, the one object GitHub adds to
// comments on pull requests.
func OnPullRequest(t testing.TB, body []byte, owner, name string, number int) []byte {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("githubtest: on pull request: %v", err)
	}
	issue, ok := doc["issue"].(map[string]any)
	if !ok {
		t.Fatal("githubtest: on pull request: not an issue_comment payload")
	}
	base := "https://api.github.com/repos/" + owner + "/" + name
	issue["number"] = number
	issue["pull_request"] = map[string]any{
		"url":       base + "/pulls/" + strconv.Itoa(number),
		"html_url":  "https://github.com/" + owner + "/" + name + "/pull/" + strconv.Itoa(number),
		"diff_url":  "https://github.com/" + owner + "/" + name + "/pull/" + strconv.Itoa(number) + ".diff",
		"patch_url": "https://github.com/" + owner + "/" + name + "/pull/" + strconv.Itoa(number) + ".patch",
	}
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// PullRequestPayload is the real pull_request example for action
// (opened, synchronize, reopened, closed, ready_for_review, labeled) edited
// to describe pr in owner/name on this server. For a merge, pass the pull
// request as MergePull left it (Pull): merged, with its MergeCommitSHA and
// MergedAt. A merged pr without a MergeCommitSHA gets merge_commit_sha
// null, so nothing applies a commit the repository does not have.
func (s *Server) PullRequestPayload(t testing.TB, action, owner, name string, pr PullRequest) []byte {
	t.Helper()
	body := s.SetRepo(t, Payload(t, "pull_request."+action), owner, name)
	edits := map[string]any{
		"number":                    pr.Number,
		"pull_request.number":       pr.Number,
		"pull_request.head.ref":     pr.HeadRef,
		"pull_request.head.sha":     pr.HeadSHA,
		"pull_request.base.ref":     pr.BaseRef,
		"pull_request.base.sha":     pr.BaseSHA,
		"pull_request.merged":       pr.Merged,
		"pull_request.draft":        pr.Draft,
		"repository.default_branch": pr.BaseRef,
	}
	if pr.Title != "" {
		edits["pull_request.title"] = pr.Title
	}
	if pr.MergeCommitSHA != "" {
		edits["pull_request.merge_commit_sha"] = pr.MergeCommitSHA
	} else if pr.Merged {
		edits["pull_request.merge_commit_sha"] = nil
	}
	if pr.Merged {
		at := pr.MergedAt
		if at.IsZero() {
			at = time.Now()
		}
		edits["pull_request.merged_at"] = stamp(at)
	}
	return Edit(t, body, edits)
}

// CommentDelivery describes an issue_comment delivery on a pull request.
type CommentDelivery struct {
	Action string // created (the default) or edited
	PR     int
	Login  string // the commenter, also the sender
	// SenderType is the commenter's account type: User, or Bot; empty is
	// Bot for a login ending in "[bot]", User otherwise.
	SenderType string
	Body       string
	// ID is the comment: for created, 0 adds a new one (AddComment) and an
	// existing id reuses it; for edited it must exist, and its body in the
	// server's state becomes Body (the old one goes in changes.body.from).
	ID int64
}

// CommentPayload is the real issue_comment example for c.Action turned
// into c.Login's comment on pull request c.PR of owner/name on this
// server. The comment exists in the server's state, so plumb can react to
// it; the payload and the comment's id are returned.
func (s *Server) CommentPayload(t testing.TB, owner, name string, c CommentDelivery) ([]byte, int64) {
	t.Helper()
	if c.Action == "" {
		c.Action = "created"
	}
	if c.SenderType == "" {
		c.SenderType = accountType(c.Login)
	}
	from, id := s.commentState(t, owner, name, c)
	body := s.SetRepo(t, Payload(t, "issue_comment."+c.Action), owner, name)
	body = OnPullRequest(t, body, owner, name, c.PR)
	edits := map[string]any{
		"comment.id":         id,
		"comment.node_id":    nodeID("012:IssueComment", id),
		"comment.body":       c.Body,
		"comment.user.login": c.Login,
		"comment.user.type":  c.SenderType,
		"comment.user.id":    idOf(c.Login),
		"comment.url":        s.apiURL("/repos/%s/%s/issues/comments/%d", owner, name, id),
		"comment.issue_url":  s.apiURL("/repos/%s/%s/issues/%d", owner, name, c.PR),
		"comment.html_url":   s.srv.URL + sprintf("/%s/%s/pull/%d#issuecomment-%d", owner, name, c.PR, id),
		"sender.login":       c.Login,
		"sender.type":        c.SenderType,
		"sender.id":          idOf(c.Login),
	}
	if c.Action == "edited" {
		edits["changes.body.from"] = from
	}
	return Edit(t, body, edits), id
}

// commentState creates or edits the comment a delivery is about and
// returns its body before an edit and its id.
func (s *Server) commentState(t testing.TB, owner, name string, c CommentDelivery) (string, int64) {
	t.Helper()
	if c.Action == "created" && c.ID == 0 {
		return "", s.AddComment(owner, name, c.PR, c.Login, c.Body)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rs := s.repo(owner, name)
	i := findComment(rs, strconv.FormatInt(c.ID, 10))
	if i < 0 {
		t.Fatalf("githubtest: comment payload: %s/%s has no comment %d", owner, name, c.ID)
	}
	cm := rs.comments[i]
	from := cm.Body
	if c.Action == "edited" {
		cm.Body, cm.UpdatedAt = c.Body, time.Now().UTC()
	}
	return from, cm.ID
}

// PushPayload is the real push example edited to a push of branch in
// owner/name on this server, from before to after.
func (s *Server) PushPayload(t testing.TB, owner, name, branch, before, after string) []byte {
	t.Helper()
	body := s.SetRepo(t, Payload(t, "push"), owner, name)
	return Edit(t, body, map[string]any{"ref": "refs/heads/" + branch, "before": before, "after": after})
}
