package vcs

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// How long each kind of answer makes the client wait, with jitter off.
func TestRetryJudge(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	p := retryPolicyOf(GitHubConfig{RetryBaseWait: time.Second, RetryMaxWait: 30 * time.Second})
	p.now = func() time.Time { return now }
	p.jitter = func(d time.Duration) time.Duration { return d }
	tr := &retryTransport{retryPolicy: p}
	answer := func(status int, body string, header ...string) *http.Response {
		h := http.Header{}
		for i := 0; i+1 < len(header); i += 2 {
			h.Set(header[i], header[i+1])
		}
		return &http.Response{StatusCode: status, Status: strconv.Itoa(status), Header: h, Body: io.NopCloser(strings.NewReader(body))}
	}
	reset := func(d time.Duration) string { return strconv.FormatInt(now.Add(d).Unix(), 10) }
	tests := []struct {
		name    string
		resp    *http.Response
		attempt int
		retry   bool
		wait    time.Duration
	}{
		{"502, first attempt", answer(502, ""), 1, true, time.Second},
		{"502, third attempt doubles twice", answer(502, ""), 3, true, 4 * time.Second},
		{"503, tenth attempt is capped", answer(503, ""), 10, true, 30 * time.Second},
		{"501 is not transient", answer(501, ""), 1, false, 0},
		{"primary waits for the reset", answer(403, "", "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", reset(10*time.Second)), 1, true, 11 * time.Second},
		{"primary reset past the cap", answer(403, "", "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", reset(time.Hour)), 1, true, 30 * time.Second},
		{"primary on 429", answer(429, "", "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", reset(5*time.Second)), 1, true, 6 * time.Second},
		{"secondary names its wait", answer(403, "", "Retry-After", "7"), 1, true, 7 * time.Second},
		{"secondary without Retry-After", answer(403, `{"message":"You have exceeded a secondary rate limit."}`), 1, true, 30 * time.Second},
		{"429 without headers", answer(429, ""), 1, true, 30 * time.Second},
		{"403 refusal", answer(403, `{"message":"Resource not accessible by integration"}`), 1, false, 0},
		{"404", answer(404, ""), 1, false, 0},
		{"422", answer(422, ""), 1, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := tr.judge(tt.resp, nil, tt.attempt)
			if v.retry != tt.retry || v.wait != tt.wait {
				t.Errorf("retry %v after %v (%s), want %v after %v", v.retry, v.wait, v.why, tt.retry, tt.wait)
			}
			// go-github reads the message of a final answer.
			if b, _ := io.ReadAll(tt.resp.Body); tt.name == "403 refusal" && !strings.Contains(string(b), "not accessible") {
				t.Errorf("judging a 403 left its body as %q", b)
			}
		})
	}
}

func TestRetryJitter(t *testing.T) {
	p := retryPolicyOf(GitHubConfig{RetryBaseWait: time.Second, RetryMaxWait: time.Minute})
	for range 100 {
		if d := p.backoff(2); d < time.Second || d > 2*time.Second {
			t.Fatalf("backoff(2) = %v, want within [1s, 2s]", d)
		}
	}
	d := retryPolicyOf(GitHubConfig{})
	if d.attempts != DefaultRetryAttempts || d.max != DefaultRetryMaxWait || d.base != DefaultRetryBaseWait {
		t.Errorf("defaults %+v", d)
	}
}
