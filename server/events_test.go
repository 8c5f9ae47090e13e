package server_test

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
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/server"
)

// These tests hold the handler to its side of the Parser and EventSink
// contracts, with a small parser and sink written for them. The real ones
// (vcs.Webhooks, the SQLite queue) are the server's in
// cmd/plumb/server_events_test.go, which checks the three together.

const secret = "test-webhook-secret"

// signedParser stands in for vcs.Webhooks where GitHub's payloads are not
// the point: it checks the HMAC-SHA256 signature (EUNAUTHORIZED) and reads
// a pull request's action and repository (EINVALID when that fails);
// other events and actions are ignored.
type signedParser struct{}

func (signedParser) Parse(h http.Header, body []byte) (plumb.Event, error) {
	got, _ := hex.DecodeString(strings.TrimPrefix(h.Get("X-Hub-Signature-256"), "sha256="))
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	if !strings.HasPrefix(h.Get("X-Hub-Signature-256"), "sha256=") || !hmac.Equal(got, mac.Sum(nil)) {
		return plumb.Event{}, plumb.Errorf(plumb.EUNAUTHORIZED, "bad signature")
	}
	var p struct {
		Action     string `json:"action"`
		Number     int    `json:"number"`
		Repository struct {
			FullName string `json:"full_name"`
		} `json:"repository"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return plumb.Event{}, plumb.Errorf(plumb.EINVALID, "payload: %v", err)
	}
	ev := plumb.Event{Delivery: h.Get("X-GitHub-Delivery"), Kind: plumb.EventKind(h.Get("X-GitHub-Event")),
		Action: p.Action, Repo: p.Repository.FullName, PR: p.Number}
	if ev.Kind != plumb.EventPullRequest || (p.Action != "opened" && p.Action != "synchronize") {
		ev.Ignored = "not a pull request opened or pushed to"
	}
	return ev, nil
}

// parserFunc answers Parse with a function of the test's.
type parserFunc func(h http.Header, body []byte) (plumb.Event, error)

func (f parserFunc) Parse(h http.Header, body []byte) (plumb.Event, error) { return f(h, body) }

// memSink keeps accepted deliveries in memory; err, if set, is its answer
// to every Accept. Stop makes it not ready.
type memSink struct {
	mu       sync.Mutex
	accepted map[string][]byte
	stopped  bool
	err      error
}

func (s *memSink) Accept(_ context.Context, ev plumb.Event, payload []byte) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return false, s.err
	}
	if ev.Delivery == "" {
		return false, plumb.Errorf(plumb.EINVALID, "event without a delivery ID")
	}
	if _, dup := s.accepted[ev.Delivery]; dup {
		return true, nil
	}
	if s.accepted == nil {
		s.accepted = map[string][]byte{}
	}
	s.accepted[ev.Delivery] = payload
	return false, nil
}

func (s *memSink) stored(d string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.accepted[d]
	return ok
}

func (s *memSink) Stop(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopped = true
	return nil
}

func (s *memSink) Ready(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return errors.New("stopped")
	}
	return nil
}

func (s *memSink) JobCounts(context.Context) (map[string]int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return map[string]int{"available": len(s.accepted), "completed": 0}, nil
}

type bundle struct {
	h   http.Handler
	q   *memSink
	reg *prometheus.Registry
}

// setup builds the handler on signedParser and a memSink.
func setup(t testing.TB, mod func(*server.Config)) *bundle {
	t.Helper()
	q := &memSink{}
	reg := prometheus.NewRegistry()
	cfg := server.Config{
		Parser: signedParser{},
		Sink:   q,
		Ready:  q.Ready,
		Metrics: server.NewMetrics(server.MetricsConfig{Registry: reg, QueueJobs: q.JobCounts, Locks: func(context.Context) (server.LockStats, error) {
			return server.LockStats{Held: 2, OldestAge: 90 * time.Second, Waiting: 1}, nil
		}}),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if mod != nil {
		mod(&cfg)
	}
	h, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &bundle{h: h, q: q, reg: reg}
}

// prPayload is a pull_request delivery.
func prPayload(repo, action string) []byte {
	return fmt.Appendf(nil, `{"action":%q,"number":7,"pull_request":{"number":7},"repository":{"full_name":%q}}`, action, repo)
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

// Each answer of the parser and the sink has its status and body, and
// only an accepted delivery reaches the sink.
func TestEventsAnswers(t *testing.T) {
	t.Parallel()
	pr := plumb.Event{Kind: plumb.EventPullRequest, Action: "opened", Repo: "acme/infra", PR: 7}
	cases := []struct {
		name    string
		parse   func() (plumb.Event, error)
		sinkErr error
		body    []byte
		want    int
		status  string
		errWant string // the answer's error field
	}{
		{name: "bad signature", parse: func() (plumb.Event, error) {
			return plumb.Event{}, plumb.Errorf(plumb.EUNAUTHORIZED, "signature mismatch")
		},
			want: 401, status: "unauthorized"},
		{name: "malformed", parse: func() (plumb.Event, error) {
			return plumb.Event{}, plumb.Errorf(plumb.EINVALID, "payload: unexpected end of JSON input")
		},
			want: 400, status: "invalid", errWant: "payload: unexpected end of JSON input"},
		{name: "parser fails", parse: func() (plumb.Event, error) { return plumb.Event{}, errors.New("boom") }, want: 500, status: "error"},
		{name: "parser panics", parse: func() (plumb.Event, error) { panic("index out of range") }, want: 500, status: "error"},
		{name: "oversized", body: bytes.Repeat([]byte("x"), 64<<10+1), want: 413, status: "too_large"},
		{name: "ignored", parse: func() (plumb.Event, error) {
			return plumb.Event{Kind: "deployment", Ignored: "plumb does not act on deployment events"}, nil
		}, want: 200, status: "ignored"},
		{name: "sink refuses", sinkErr: plumb.Errorf(plumb.EINVALID, "event without a delivery ID"), want: 400, status: "invalid", errWant: "event without a delivery ID"},
		{name: "sink fails", sinkErr: errors.New("database is locked"), want: 500, status: "error"},
		{name: "accepted", want: 202, status: "accepted"},
	}
	for i, tc := range cases {
		d := fmt.Sprintf("d%d", i)
		parse := tc.parse
		if parse == nil {
			parse = func() (plumb.Event, error) { return pr, nil }
		}
		sink := &memSink{err: tc.sinkErr}
		b := setup(t, func(c *server.Config) {
			c.MaxBody = 64 << 10
			c.Sink = sink
			c.Parser = parserFunc(func(http.Header, []byte) (plumb.Event, error) {
				ev, err := parse()
				ev.Delivery = d
				return ev, err
			})
		})
		body := tc.body
		if body == nil {
			body = []byte(`{}`)
		}
		code, answer := post(t, b.h, "pull_request", d, body, "")
		if code != tc.want || answer["status"] != tc.status || answer["error"] != tc.errWant {
			t.Errorf("%s: %d %v, want %d %s %q", tc.name, code, answer, tc.want, tc.status, tc.errWant)
		}
		if stored := sink.stored(d); stored != (tc.want == 202) {
			t.Errorf("%s: stored = %v", tc.name, stored)
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

func TestEventsDuplicate(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	body := prPayload("acme/infra", "synchronize")
	if code, answer := post(t, b.h, "pull_request", "d1", body, ""); code != 202 || answer["delivery"] != "d1" {
		t.Fatalf("first delivery: %d %v", code, answer)
	}
	for range 3 {
		if code, answer := post(t, b.h, "pull_request", "d1", body, ""); code != 200 || answer["status"] != "duplicate" || answer["delivery"] != "d1" {
			t.Fatalf("replay: %d %v, want 200 duplicate", code, answer)
		}
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
		if stored := b.q.stored("d-" + repo); stored != (want == 202) {
			t.Errorf("%s: stored = %v", repo, stored)
		}
	}
	if _, err := server.New(server.Config{Parser: signedParser{}, Sink: b.q, RepoAllowlist: []string{"acme/["}}); plumb.ErrorCode(err) != plumb.EINVALID {
		t.Errorf("bad glob: err = %v, want EINVALID", err)
	}
}
