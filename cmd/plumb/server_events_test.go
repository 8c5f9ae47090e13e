package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/queue"
	"github.com/plumbhq/plumb/server"
	"github.com/plumbhq/plumb/store/sqlite"
	"github.com/plumbhq/plumb/vcs"
)

// The server's POST /events wired as plumb serve wires it, in process:
// vcs's webhook verifier and parser, the server's handler, and a started
// queue on the store's SQLite file. server/ tests the handler alone; these
// test that the three agree.

const eventsSecret = "test-webhook-secret"

// eventCounter is the event handler: it counts what the queue hands it.
type eventCounter struct {
	mu    sync.Mutex
	calls map[string]int
}

func (c *eventCounter) HandleEvent(_ context.Context, ev plumb.Event) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.calls == nil {
		c.calls = map[string]int{}
	}
	c.calls[ev.Delivery]++
	return nil
}

func (c *eventCounter) count(d string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[d]
}

type eventsBundle struct {
	h       http.Handler
	q       *queue.Queue
	handled *eventCounter
}

// setupEvents wires the real pieces: vcs's webhook verifier, the server's
// handler, and a started queue on a SQLite file opened by the store.
func setupEvents(t testing.TB, mod func(*server.Config)) *eventsBundle {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "plumb.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	c := &eventCounter{}
	q, err := queue.New(context.Background(), queue.Config{DB: db.SQL(), Handler: c, Logger: log, FetchPollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		q.Stop(ctx)
	})
	cfg := server.Config{
		Parser:  &vcs.Webhooks{Secret: []byte(eventsSecret)},
		Sink:    q,
		Ready:   func(ctx context.Context) error { return errors.Join(db.Ping(ctx), q.Ready(ctx)) },
		Metrics: server.NewMetrics(server.MetricsConfig{Registry: prometheus.NewRegistry(), QueueJobs: q.JobCounts}),
		Logger:  log,
	}
	if mod != nil {
		mod(&cfg)
	}
	h, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &eventsBundle{h: h, q: q, handled: c}
}

// prEventPayload is a pull_request delivery with the fields plumb reads.
func prEventPayload(repo, action string) []byte {
	return fmt.Appendf(nil, `{"action":%q,"number":7,
 "pull_request":{"number":7,"draft":false,"merged":false,
  "head":{"ref":"feature","sha":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb","repo":{"full_name":%q}},
  "base":{"ref":"main","sha":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","repo":{"full_name":%q}}},
 "repository":{"full_name":%q,"clone_url":"https://github.com/%s.git","default_branch":"main"},
 "sender":{"login":"octocat"}}`, action, repo, repo, repo, repo)
}

func signEvent(body []byte) string {
	mac := hmac.New(sha256.New, []byte(eventsSecret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// eventRequest is a delivery; sig "" means a correctly signed one, "-" none.
func eventRequest(event, delivery string, body []byte, sig string) *http.Request {
	req := httptest.NewRequest(http.MethodPost, "/events", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", event)
	req.Header.Set("X-GitHub-Delivery", delivery)
	switch sig {
	case "":
		req.Header.Set("X-Hub-Signature-256", signEvent(body))
	case "-":
	default:
		req.Header.Set("X-Hub-Signature-256", sig)
	}
	return req
}

// postEvent sends a delivery (see eventRequest) and returns the answer.
func postEvent(t testing.TB, h http.Handler, event, delivery string, body []byte, sig string) (int, map[string]string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, eventRequest(event, delivery, body, sig))
	var answer map[string]string
	if err := json.Unmarshal(rec.Body.Bytes(), &answer); err != nil {
		t.Fatalf("answer %d is not a JSON object: %q", rec.Code, rec.Body.String())
	}
	if strings.Contains(rec.Body.String(), eventsSecret) {
		t.Fatalf("answer echoes the secret: %s", rec.Body.String())
	}
	return rec.Code, answer
}

func TestServerEventsSignatures(t *testing.T) {
	t.Parallel()
	b := setupEvents(t, nil)
	body := prEventPayload("acme/infra", "opened")
	good := signEvent(body)
	for name, sig := range map[string]string{
		"missing":   "-",
		"wrong":     signEvent([]byte("another body")),
		"truncated": good[:len(good)-2],
		"no prefix": strings.TrimPrefix(good, "sha256="),
		"sha1":      "sha1=" + strings.Repeat("0", 40),
		"empty":     "sha256=",
	} {
		code, answer := postEvent(t, b.h, "pull_request", "d-"+name, body, sig)
		if code != http.StatusUnauthorized || answer["status"] != "unauthorized" {
			t.Errorf("%s signature: %d %v, want 401", name, code, answer)
		}
		if _, err := b.q.Event(t.Context(), "d-"+name); plumb.ErrorCode(err) != plumb.ENOTFOUND {
			t.Errorf("%s signature: stored (%v)", name, err)
		}
	}
	if code, _ := postEvent(t, b.h, "pull_request", "d-ok", body, ""); code != http.StatusAccepted {
		t.Errorf("good signature: %d, want 202", code)
	}
}

func TestServerEventsAnswers(t *testing.T) {
	t.Parallel()
	b := setupEvents(t, func(c *server.Config) { c.MaxBody = 64 << 10 })
	cases := []struct {
		name, event string
		body        []byte
		want        int
		status      string
	}{
		{"malformed JSON", "pull_request", []byte(`{"action":"opened",`), 400, "invalid"},
		{"not an object", "pull_request", []byte(`[1,2,3]`), 400, "invalid"},
		{"oversized", "pull_request", bytes.Repeat([]byte("x"), 64<<10+1), 413, "too_large"},
		{"unknown event", "deployment", []byte(`{"repository":{"full_name":"acme/infra"}}`), 200, "ignored"},
		{"unhandled action", "pull_request", prEventPayload("acme/infra", "labeled"), 200, "ignored"},
		{"ping", "ping", []byte(`{"zen":"Keep it logically awesome.","hook_id":1}`), 200, "ignored"},
		{"accepted", "pull_request", prEventPayload("acme/infra", "opened"), 202, "accepted"},
	}
	for i, tc := range cases {
		code, answer := postEvent(t, b.h, tc.event, fmt.Sprintf("d%d", i), tc.body, "")
		if code != tc.want || answer["status"] != tc.status {
			t.Errorf("%s: %d %v, want %d %s", tc.name, code, answer, tc.want, tc.status)
		}
	}
	// Only the accepted delivery was stored.
	for i, tc := range cases {
		_, err := b.q.Event(t.Context(), fmt.Sprintf("d%d", i))
		if stored := err == nil; stored != (tc.want == 202) {
			t.Errorf("%s: stored = %v (%v)", tc.name, stored, err)
		}
	}
}

func TestServerEventsReplayProcessedOnce(t *testing.T) {
	t.Parallel()
	b := setupEvents(t, nil)
	body := prEventPayload("acme/infra", "synchronize")
	if code, answer := postEvent(t, b.h, "pull_request", "d1", body, ""); code != 202 || answer["delivery"] != "d1" {
		t.Fatalf("first delivery: %d %v", code, answer)
	}
	for range 3 {
		if code, answer := postEvent(t, b.h, "pull_request", "d1", body, ""); code != 200 || answer["status"] != "duplicate" {
			t.Fatalf("replay: %d %v, want 200 duplicate", code, answer)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		r, err := b.q.Event(t.Context(), "d1")
		if err != nil {
			t.Fatal(err)
		}
		if r.Status == queue.StatusProcessed {
			if r.Event.Repo != "acme/infra" || r.Event.PR != 7 || r.Event.HeadSHA != strings.Repeat("b", 40) {
				t.Errorf("stored event = %+v, want the parsed pull request", r.Event)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("d1 status %q", r.Status)
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	if n := b.handled.count("d1"); n != 1 {
		t.Errorf("d1 handled %d times, want 1", n)
	}
}

// The allowlist matches the repository vcs parses out of the payload.
func TestServerEventsRepoAllowlist(t *testing.T) {
	t.Parallel()
	b := setupEvents(t, func(c *server.Config) { c.RepoAllowlist = []string{"acme/*", "Other/Exact"} })
	for repo, want := range map[string]int{"acme/infra": 202, "ACME/web": 202, "other/exact": 202, "evil/infra": 200, "acme-x/infra": 200} {
		code, answer := postEvent(t, b.h, "pull_request", "d-"+repo, prEventPayload(repo, "opened"), "")
		if code != want {
			t.Errorf("%s: %d %v, want %d", repo, code, answer, want)
		}
	}
}

// /readyz follows the queue: a stopped queue is not ready.
func TestServerEventsReadyFollowsTheQueue(t *testing.T) {
	t.Parallel()
	b := setupEvents(t, nil)
	ready := func() int {
		rec := httptest.NewRecorder()
		b.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		return rec.Code
	}
	if code := ready(); code != 200 {
		t.Errorf("/readyz: %d, want 200", code)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := b.q.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if code := ready(); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz with the queue stopped: %d, want 503", code)
	}
}

// /metrics counts deliveries as the real parser and queue answer them, and
// shows the queue's own job counts.
func TestServerEventsMetrics(t *testing.T) {
	t.Parallel()
	b := setupEvents(t, nil)
	postEvent(t, b.h, "pull_request", "d1", prEventPayload("acme/infra", "opened"), "")
	postEvent(t, b.h, "pull_request", "d1", prEventPayload("acme/infra", "opened"), "")
	postEvent(t, b.h, "bogus-\x00-event", "d2", []byte("{}"), "-")
	waitFor(t, 10*time.Second, "d1 processed", func() (bool, string) {
		r, err := b.q.Event(t.Context(), "d1")
		return err == nil && r.Status == queue.StatusProcessed, fmt.Sprint(r.Status, err)
	})
	rec := httptest.NewRecorder()
	b.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{
		`plumb_webhook_deliveries_total{event="pull_request",result="accepted"} 1`,
		`plumb_webhook_deliveries_total{event="pull_request",result="duplicate"} 1`,
		`plumb_webhook_deliveries_total{event="other",result="unauthorized"} 1`,
		`plumb_queue_jobs{state="available"} 0`,
		`plumb_queue_jobs{state="completed"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if t.Failed() {
		t.Log(body)
	}
}

// FuzzServerEvents posts random deliveries, signed or not, through the
// real verifier, handler and SQLite queue: every answer is a short JSON
// object with a 2xx or 4xx status, never a panic or a 5xx.
func FuzzServerEvents(f *testing.F) {
	b := setupEvents(f, nil)
	f.Add("pull_request", "d1", "application/json", prEventPayload("acme/infra", "opened"), true)
	f.Add("pull_request", "d2", "application/json", prEventPayload("acme/infra", "closed"), true)
	f.Add("push", "d3", "application/json", []byte(`{"ref":"refs/heads/main","before":"a","after":"b","repository":{"full_name":"acme/infra"}}`), true)
	f.Add("issue_comment", "d4", "application/json", []byte(`{"action":"created","issue":{"number":1,"pull_request":{}},"comment":{"body":"plumb plan"}}`), true)
	f.Add("pull_request", "d5", "application/x-www-form-urlencoded", []byte(`payload=%7B%22action%22%3A%22opened%22%7D`), true)
	f.Add("ping", "", "", []byte(`{}`), true)
	f.Add("pull_request", "d6", "application/json", []byte(`{"action":"opened"`), false)
	f.Add("", "", "", []byte{}, false)
	f.Fuzz(func(t *testing.T, event, delivery, contentType string, body []byte, signed bool) {
		req := httptest.NewRequest(http.MethodPost, "/events", bytes.NewReader(body))
		req.Header["X-Github-Event"] = []string{event}
		req.Header["X-Github-Delivery"] = []string{delivery}
		req.Header["Content-Type"] = []string{contentType}
		if signed {
			req.Header.Set("X-Hub-Signature-256", signEvent(body))
		}
		rec := httptest.NewRecorder()
		b.h.ServeHTTP(rec, req)
		if rec.Code >= 500 || rec.Code < 200 {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		var answer map[string]string
		if err := json.Unmarshal(rec.Body.Bytes(), &answer); err != nil || answer["status"] == "" {
			t.Fatalf("answer %d is not a JSON status: %q", rec.Code, rec.Body)
		}
		if !signed && rec.Code != http.StatusUnauthorized && rec.Code != http.StatusRequestEntityTooLarge {
			t.Fatalf("unsigned delivery answered %d, want 401", rec.Code)
		}
	})
}
