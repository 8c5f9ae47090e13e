package vcs_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/vcs"
	"github.com/plumbhq/plumb/vcs/githubtest"
)

var secret = []byte(githubtest.Secret)

func TestParseWebhookSignature(t *testing.T) {
	body := githubtest.Payload(t, "pull_request.opened")
	good := githubtest.Sign(secret, body)
	tests := []struct {
		name string
		sig  string
		body []byte
		code string
	}{
		{"ok", good, body, ""},
		{"missing", "", body, plumb.EUNAUTHORIZED},
		{"wrong", githubtest.Sign([]byte("other secret"), body), body, plumb.EUNAUTHORIZED},
		{"truncated", good[:len(good)-2], body, plumb.EUNAUTHORIZED},
		{"no prefix", strings.TrimPrefix(good, "sha256="), body, plumb.EUNAUTHORIZED},
		{"sha1", "sha1=" + strings.Repeat("0", 40), body, plumb.EUNAUTHORIZED},
		{"not hex", "sha256=" + strings.Repeat("z", 64), body, plumb.EUNAUTHORIZED},
		{"body changed", good, append([]byte(" "), body...), plumb.EUNAUTHORIZED},
		{"malformed json", githubtest.Sign(secret, []byte(`{"action":`)), []byte(`{"action":`), plumb.EINVALID},
		{"wrong json shape", githubtest.Sign(secret, []byte(`{"number":"x"}`)), []byte(`{"number":"x"}`), plumb.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := githubtest.Headers("pull_request", tt.body)
			h.Set(vcs.HeaderSignature, tt.sig)
			if tt.sig == "" {
				h.Del(vcs.HeaderSignature)
			}
			_, err := vcs.ParseWebhook(secret, h, tt.body)
			if got := plumb.ErrorCode(err); got != tt.code {
				t.Errorf("code = %q, want %q (err %v)", got, tt.code, err)
			}
		})
	}
	t.Run("no secret configured", func(t *testing.T) {
		_, err := vcs.ParseWebhook(nil, githubtest.Headers("pull_request", body), body)
		if plumb.ErrorCode(err) != plumb.EUNAUTHORIZED {
			t.Errorf("err = %v, want unauthorized", err)
		}
	})
	t.Run("insecure skips the check", func(t *testing.T) {
		h := githubtest.Headers("pull_request", body)
		h.Del(vcs.HeaderSignature)
		w := vcs.Webhooks{Insecure: true}
		if _, err := w.Parse(h, body); err != nil {
			t.Error(err)
		}
	})
}

// Each real payload parses to the Event plumb acts on (or is ignored).
func TestParseWebhookPayloads(t *testing.T) {
	const sha = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
	pr := plumb.Event{Kind: plumb.EventPullRequest, Repo: "Codertocat/Hello-World", CloneURL: "https://github.com/Codertocat/Hello-World.git",
		PR: 2, BaseRef: "master", BaseSHA: "f95f852bd8fca8fcc58a9a2d6c842781e32a215e", HeadRef: "changes", HeadSHA: sha,
		Sender: "Codertocat", SenderType: "User", DefaultBranch: "master"}
	const mergeSHA = "c4295bd74fb0f4fda03689c3df3f2803b658fd85" // the example's merge_commit_sha
	with := func(e plumb.Event, f func(*plumb.Event)) plumb.Event { f(&e); return e }
	tests := []struct {
		name string
		edit map[string]any
		want plumb.Event
	}{
		{"pull_request.opened", nil, with(pr, func(e *plumb.Event) { e.Action = "opened" })},
		{"pull_request.closed", map[string]any{"pull_request.merged": true}, with(pr, func(e *plumb.Event) {
			e.Action, e.Merged, e.MergeCommitSHA = "closed", true, mergeSHA
		})},
		// Closed without merging: the field holds GitHub's test merge, which never landed.
		{"pull_request.closed", nil, with(pr, func(e *plumb.Event) { e.Action = "closed" })},
		{"pull_request.opened", map[string]any{"sender.type": "Bot", "sender.login": "renovate[bot]"}, with(pr, func(e *plumb.Event) {
			e.Action, e.Sender, e.SenderType = "opened", "renovate[bot]", "Bot"
		})},
		{"pull_request.opened", map[string]any{"pull_request.head.repo.full_name": "evil/Hello-World"}, with(pr, func(e *plumb.Event) { e.Action = "opened"; e.Fork = true })},
		{"pull_request.opened", map[string]any{"pull_request.head.repo": nil}, with(pr, func(e *plumb.Event) { e.Action = "opened"; e.Fork = true })},
		{"pull_request.labeled", nil, with(pr, func(e *plumb.Event) { e.Action = "labeled"; e.Ignored = "plumb does not act on pull_request labeled" })},
		{"push", map[string]any{"ref": "refs/heads/master"}, plumb.Event{Kind: plumb.EventPush, Repo: "Codertocat/Hello-World",
			CloneURL: "https://github.com/Codertocat/Hello-World.git", HeadRef: "master", BaseSHA: "0000000000000000000000000000000000000000",
			HeadSHA: "6113728f27ae82c7b1a177c8d03f9e96e0adf246", Sender: "Codertocat", SenderType: "User", DefaultBranch: "master"}},
		{"issue_comment.created", nil,
			plumb.Event{Kind: plumb.EventComment, Action: "created", Repo: "Codertocat/Hello-World", CloneURL: "https://github.com/Codertocat/Hello-World.git",
				PR: 1, Sender: "Codertocat", SenderType: "User", DefaultBranch: "master", CommentID: 492700400,
				Comment: "You are totally right! I'll get this fixed right away."}},
		{"ping", nil, plumb.Event{Kind: "ping", Repo: "Octocoders/Hello-World", Ignored: "ping"}},
		{"star.created", nil, plumb.Event{Kind: "star", Repo: "Codertocat/Hello-World", Ignored: "plumb does not act on star events"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := githubtest.Payload(t, tt.name)
			if tt.name == "issue_comment.created" {
				body = githubtest.OnPullRequest(t, body, "Codertocat", "Hello-World", 1)
			}
			if tt.edit != nil {
				body = githubtest.Edit(t, body, tt.edit)
			}
			h := githubtest.Headers(githubtest.EventOf(tt.name), body)
			got, err := vcs.ParseWebhook(secret, h, body)
			if err != nil {
				t.Fatal(err)
			}
			tt.want.Delivery = h.Get(vcs.HeaderDelivery)
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(plumb.Event{}, "ReceivedAt")); diff != "" {
				t.Errorf("event (-want +got):\n%s", diff)
			}
			if got.ReceivedAt.IsZero() {
				t.Error("ReceivedAt not set")
			}
		})
	}
}

func TestParseWebhookForm(t *testing.T) {
	payload := githubtest.Payload(t, "ping")
	body := []byte("payload=" + url.QueryEscape(string(payload)))
	h := githubtest.Headers("ping", body)
	h.Set("Content-Type", "application/x-www-form-urlencoded")
	ev, err := vcs.ParseWebhook(secret, h, body)
	if err != nil || ev.Ignored != "ping" {
		t.Fatalf("ev = %+v, err = %v", ev, err)
	}
}

func TestParseWebhookMissingHeaders(t *testing.T) {
	body := githubtest.Payload(t, "ping")
	for _, name := range []string{vcs.HeaderEvent, vcs.HeaderDelivery} {
		h := githubtest.Headers("ping", body)
		h.Del(name)
		if _, err := vcs.ParseWebhook(secret, h, body); plumb.ErrorCode(err) != plumb.EINVALID {
			t.Errorf("without %s: err = %v, want invalid", name, err)
		}
	}
}

func FuzzParseWebhook(f *testing.F) {
	for _, name := range githubtest.PayloadNames() {
		f.Add(githubtest.EventOf(name), githubtest.Payload(f, name))
	}
	f.Add("pull_request", []byte(`{"pull_request":null}`))
	f.Add("push", []byte(`{"ref":7}`))
	f.Add("pull_request", []byte(`{"action":"closed","pull_request":{"merged":false,"merge_commit_sha":"abc"}}`))
	f.Add("issue_comment", []byte(`{"action":"edited","comment":{"id":-1},"sender":{"type":"Bot"},"issue":{"pull_request":{}}}`))
	f.Fuzz(func(t *testing.T, event string, body []byte) {
		h := githubtest.Headers(event, body)
		ev, err := vcs.ParseWebhook(secret, h, body)
		if err != nil {
			if c := plumb.ErrorCode(err); c != plumb.EINVALID {
				t.Fatalf("signed body: code %q: %v", c, err)
			}
			return
		}
		if ev.Delivery == "" || string(ev.Kind) != event {
			t.Fatalf("event %+v for %q", ev, event)
		}
		// Jobs apply at MergeCommitSHA and react to CommentID: neither may
		// come from an event that is not a merge or a comment.
		if ev.MergeCommitSHA != "" && (!ev.Merged || ev.Kind != plumb.EventPullRequest) {
			t.Fatalf("merge commit %q on an event that is not a merge: %+v", ev.MergeCommitSHA, ev)
		}
		if ev.CommentID != 0 && ev.Kind != plumb.EventComment {
			t.Fatalf("comment id %d on a %s event", ev.CommentID, ev.Kind)
		}
	})
}

// The payload helpers the server and e2e tests use produce events about the
// test server's repository.
func TestTestServerPayloads(t *testing.T) {
	srv := githubtest.NewServer(t)
	pr := githubtest.PullRequest{Number: 12, HeadRef: "grow", HeadSHA: headSHA, BaseRef: "main", BaseSHA: baseSHA, Merged: true}
	body := srv.PullRequestPayload(t, "closed", owner, name, pr)
	ev, err := vcs.ParseWebhook(secret, githubtest.Headers("pull_request", body), body)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Repo != owner+"/"+name || ev.CloneURL != srv.CloneURL(owner, name) || ev.PR != 12 || !ev.Merged || ev.Fork ||
		ev.HeadSHA != headSHA || ev.BaseSHA != baseSHA || ev.BaseRef != "main" || ev.Ignored != "" {
		t.Errorf("pull_request event %+v", ev)
	}
	pr.MergeCommitSHA = "0123456789abcdef0123456789abcdef01234567"
	body = srv.PullRequestPayload(t, "closed", owner, name, pr)
	if ev, err = vcs.ParseWebhook(secret, githubtest.Headers("pull_request", body), body); err != nil || ev.MergeCommitSHA != pr.MergeCommitSHA {
		t.Errorf("merged pull_request event %+v, %v: want merge commit %s", ev, err, pr.MergeCommitSHA)
	}
	body = srv.PushPayload(t, owner, name, "main", baseSHA, headSHA)
	ev, err = vcs.ParseWebhook(secret, githubtest.Headers("push", body), body)
	if err != nil || ev.HeadRef != "main" || ev.HeadSHA != headSHA || ev.CloneURL != srv.CloneURL(owner, name) || ev.Ignored != "" {
		t.Errorf("push event %+v, %v", ev, err)
	}
}

// The comment payload helper: a real issue_comment delivery on a pull
// request, whose comment exists on the server so plumb can react to it.
func TestTestServerCommentPayloads(t *testing.T) {
	b := setupGitHub(t)
	ctx := context.Background()
	body, id := b.srv.CommentPayload(t, owner, name, githubtest.CommentDelivery{PR: 7, Login: "alice", Body: "plumb plan"})
	ev, err := vcs.ParseWebhook(secret, githubtest.Headers("issue_comment", body), body)
	if err != nil || ev.Action != "created" || ev.PR != 7 || ev.Sender != "alice" || ev.SenderType != "User" ||
		ev.CommentID != id || ev.Comment != "plumb plan" || ev.Repo != owner+"/"+name || ev.Ignored != "" {
		t.Fatalf("created: %+v, %v (comment %d)", ev, err, id)
	}
	if err := b.gh.React(ctx, ev.Repo, ev.CommentID, "eyes"); err != nil {
		t.Fatal(err)
	}
	if got := b.srv.Reactions(owner, name, id); len(got) != 1 || got[0] != "eyes" {
		t.Errorf("reactions %q", got)
	}
	body, _ = b.srv.CommentPayload(t, owner, name, githubtest.CommentDelivery{Action: "edited", PR: 7, Login: "renovate[bot]", Body: "plumb apply", ID: id})
	ev, err = vcs.ParseWebhook(secret, githubtest.Headers("issue_comment", body), body)
	if err != nil || ev.Action != "edited" || ev.SenderType != "Bot" || ev.CommentID != id || ev.Comment != "plumb apply" || ev.Ignored == "" {
		t.Errorf("edited: %+v, %v", ev, err)
	}
	if cs := b.srv.Comments(owner, name, 7); len(cs) != 1 || cs[0].Body != "plumb apply" {
		t.Errorf("comments on the server %+v", cs)
	}
}

// The intake target is 2,000 deliveries/s on 2 cores; parsing must be a
// small part of that.
func BenchmarkParseWebhook(b *testing.B) {
	body := githubtest.Payload(b, "pull_request.synchronize")
	h := githubtest.Headers("pull_request", body)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := vcs.ParseWebhook(secret, h, body); err != nil {
			b.Fatal(err)
		}
	}
}

// A signed issue_comment with no issue at all (found by FuzzEvents) is
// ignored, not a panic.
func TestParseWebhookIssueCommentWithoutIssue(t *testing.T) {
	body := []byte(`{"action":"created","comment":{"body":"hi"}}`)
	ev, err := vcs.ParseWebhook([]byte(githubtest.Secret), githubtest.Headers("issue_comment", body), body)
	if err != nil || ev.Ignored == "" {
		t.Errorf("got %+v, %v; want an ignored event", ev, err)
	}
}
