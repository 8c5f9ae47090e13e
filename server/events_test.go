package server_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
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

const secret = "test-webhook-secret"

// counter is the event handler: it counts what the queue hands it.
type counter struct {
	mu    sync.Mutex
	calls map[string]int
}

func (c *counter) HandleEvent(_ context.Context, ev plumb.Event) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.calls == nil {
		c.calls = map[string]int{}
	}
	c.calls[ev.Delivery]++
	return nil
}

func (c *counter) count(d string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[d]
}

type bundle struct {
	h       http.Handler
	q       *queue.Queue
	handled *counter
	reg     *prometheus.Registry
}

// setup wires the real pieces: vcs's webhook verifier, the server's
// handler, and a started queue on a SQLite file.
func setup(t testing.TB, mod func(*server.Config)) *bundle {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "plumb.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	c := &counter{}
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
	reg := prometheus.NewRegistry()
	cfg := server.Config{
		Parser:  &vcs.Webhooks{Secret: []byte(secret)},
		Sink:    q,
		Ready:   q.Ready,
		Metrics: server.NewMetrics(server.MetricsConfig{Registry: reg, QueueJobs: q.JobCounts, Locks: func(context.Context) (server.LockStats, error) { return server.LockStats{Held: 2, OldestAge: 90 * time.Second, Waiting: 1}, nil }}),
		Logger:  log,
	}
	if mod != nil {
		mod(&cfg)
	}
	h, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &bundle{h: h, q: q, handled: c, reg: reg}
}

// prPayload is a pull_request delivery with the fields plumb reads.
func prPayload(repo, action string) []byte {
	return fmt.Appendf(nil, `{"action":%q,"number":7,
 "pull_request":{"number":7,"draft":false,"merged":false,
  "head":{"ref":"feature","sha":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb","repo":{"full_name":%q}},
  "base":{"ref":"main","sha":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","repo":{"full_name":%q}}},
 "repository":{"full_name":%q,"clone_url":"https://github.com/%s.git","default_branch":"main"},
 "sender":{"login":"octocat"}}`, action, repo, repo, repo, repo)
}

func sign(body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// post sends a delivery; sig "" means a correctly signed one, "-" none.
func post(t testing.TB, h http.Handler, event, delivery string, body []byte, sig string) (int, map[string]string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/events", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", event)
	req.Header.Set("X-GitHub-Delivery", delivery)
	switch sig {
	case "":
		req.Header.Set("X-Hub-Signature-256", sign(body))
	case "-":
	default:
		req.Header.Set("X-Hub-Signature-256", sig)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var answer map[string]string
	if err := json.Unmarshal(rec.Body.Bytes(), &answer); err != nil {
		t.Fatalf("answer %d is not a JSON object: %q", rec.Code, rec.Body.String())
	}
	if strings.Contains(rec.Body.String(), secret) {
		t.Fatalf("answer echoes the secret: %s", rec.Body.String())
	}
	return rec.Code, answer
}

func TestEventsSignatures(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	body := prPayload("acme/infra", "opened")
	good := sign(body)
	for name, sig := range map[string]string{
		"missing":   "-",
		"wrong":     sign([]byte("another body")),
		"truncated": good[:len(good)-2],
		"no prefix": strings.TrimPrefix(good, "sha256="),
		"sha1":      "sha1=" + strings.Repeat("0", 40),
		"empty":     "sha256=",
	} {
		code, answer := post(t, b.h, "pull_request", "d-"+name, body, sig)
		if code != http.StatusUnauthorized || answer["status"] != "unauthorized" {
			t.Errorf("%s signature: %d %v, want 401", name, code, answer)
		}
	}
	if code, _ := post(t, b.h, "pull_request", "d-ok", body, ""); code != http.StatusAccepted {
		t.Errorf("good signature: %d, want 202", code)
	}
}

func TestEventsAnswers(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *server.Config) { c.MaxBody = 64 << 10 })
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
		{"unhandled action", "pull_request", prPayload("acme/infra", "labeled"), 200, "ignored"},
		{"ping", "ping", []byte(`{"zen":"Keep it logically awesome.","hook_id":1}`), 200, "ignored"},
		{"accepted", "pull_request", prPayload("acme/infra", "opened"), 202, "accepted"},
	}
	for i, tc := range cases {
		code, answer := post(t, b.h, tc.event, fmt.Sprintf("d%d", i), tc.body, "")
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

func TestEventsOversizedWithoutContentLength(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *server.Config) { c.MaxBody = 1024 })
	body := bytes.Repeat([]byte("x"), 4096)
	req := httptest.NewRequest(http.MethodPost, "/events", io.MultiReader(bytes.NewReader(body)))
	req.ContentLength = -1
	req.Header.Set("X-Hub-Signature-256", sign(body))
	rec := httptest.NewRecorder()
	b.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("chunked oversized body: %d, want 413", rec.Code)
	}
}

func TestEventsReplayProcessedOnce(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	body := prPayload("acme/infra", "synchronize")
	if code, answer := post(t, b.h, "pull_request", "d1", body, ""); code != 202 || answer["delivery"] != "d1" {
		t.Fatalf("first delivery: %d %v", code, answer)
	}
	for range 3 {
		if code, answer := post(t, b.h, "pull_request", "d1", body, ""); code != 200 || answer["status"] != "duplicate" {
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

func TestEventsRepoAllowlist(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *server.Config) { c.RepoAllowlist = []string{"acme/*", "Other/Exact"} })
	for repo, want := range map[string]int{"acme/infra": 202, "ACME/web": 202, "other/exact": 202, "evil/infra": 200, "acme-x/infra": 200} {
		code, answer := post(t, b.h, "pull_request", "d-"+repo, prPayload(repo, "opened"), "")
		if code != want {
			t.Errorf("%s: %d %v, want %d", repo, code, answer, want)
		}
	}
	if _, err := server.New(server.Config{Parser: &vcs.Webhooks{}, Sink: b.q, RepoAllowlist: []string{"acme/["}}); plumb.ErrorCode(err) != plumb.EINVALID {
		t.Errorf("bad glob: err = %v, want EINVALID", err)
	}
}
