package vcs

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/plumbhq/plumb"
)

// Production retry settings, used when GitHubConfig leaves them zero.
const (
	DefaultRetryAttempts = 5
	DefaultRetryMaxWait  = 60 * time.Second
	DefaultRetryBaseWait = time.Second
)

// retryPolicy bounds how an API call is retried: attempts in all, the
// first backoff (doubled each time, with jitter), and the longest single
// wait, which also caps a rate limit's wait for its reset.
type retryPolicy struct {
	attempts  int
	base, max time.Duration
	log       *slog.Logger
	redact    *plumb.Redactor
	now       func() time.Time
	jitter    func(time.Duration) time.Duration
	// sleep waits d, or until ctx is done (its error).
	sleep func(ctx context.Context, d time.Duration) error
}

func retryPolicyOf(cfg GitHubConfig) retryPolicy {
	p := retryPolicy{attempts: cfg.RetryAttempts, base: cfg.RetryBaseWait, max: cfg.RetryMaxWait, log: cfg.Logger,
		redact: cfg.Redactor, now: time.Now, sleep: sleepCtx,
		// Full jitter over the upper half: replicas that failed together
		// do not come back together.
		jitter: func(d time.Duration) time.Duration { return d/2 + rand.N(d/2+1) },
	}
	if p.attempts <= 0 {
		p.attempts = DefaultRetryAttempts
	}
	if p.max <= 0 {
		p.max = DefaultRetryMaxWait
	}
	if p.base <= 0 {
		p.base = min(DefaultRetryBaseWait, p.max)
	}
	return p
}

// backoff is the wait before attempt+1 after attempt failed.
func (p retryPolicy) backoff(attempt int) time.Duration {
	d := p.base
	for i := 1; i < attempt && d < p.max; i++ {
		d *= 2
	}
	return p.jitter(min(d, p.max))
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// atMostOnceKey marks a request that must not be sent twice when its
// first answer leaves unknown whether GitHub acted on it (a 5xx, a broken
// connection): creating a comment. Only answers that prove GitHub refused
// it untouched (rate limits) are retried; the caller converges instead.
type atMostOnceKey struct{}

func atMostOnce(ctx context.Context) context.Context {
	return context.WithValue(ctx, atMostOnceKey{}, true)
}

// retryTransport retries API calls below go-github, so go-github sees
// only the last answer: it remembers a rate limit it has seen and would
// refuse every later call until the reset without asking GitHub.
type retryTransport struct {
	base http.RoundTripper
	retryPolicy
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	once, _ := ctx.Value(atMostOnceKey{}).(bool)
	rewindable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	for attempt := 1; ; attempt++ {
		r := req
		if attempt > 1 {
			r = req.Clone(ctx)
			if req.GetBody != nil {
				body, err := req.GetBody()
				if err != nil {
					return nil, err
				}
				r.Body = body
			}
		}
		resp, err := t.base.RoundTrip(r)
		v := t.judge(resp, err, attempt)
		if !v.retry || (once && !v.untouched) || !rewindable || attempt >= t.attempts || ctx.Err() != nil {
			return resp, err
		}
		if resp != nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
		}
		if t.log != nil {
			t.log.WarnContext(ctx, "github: retrying", "method", req.Method, "path", req.URL.Path,
				"attempt", attempt, "attempts", t.attempts, "wait", v.wait, "reason", t.redact.String(v.why))
		}
		if err := t.sleep(ctx, v.wait); err != nil {
			return nil, err
		}
	}
}

// verdict is what one answer says about trying again.
type verdict struct {
	retry bool
	// untouched: GitHub refused the request before acting on it.
	untouched bool
	wait      time.Duration
	why       string
}

// judge classifies an answer: network errors and 5xx are retried after a
// backoff; rate limits after the wait GitHub names; any other answer,
// including every other 4xx, is final.
func (t *retryTransport) judge(resp *http.Response, err error, attempt int) verdict {
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return verdict{}
		}
		return verdict{retry: true, wait: t.backoff(attempt), why: err.Error()}
	}
	code := resp.StatusCode
	switch {
	case code >= 500 && code != http.StatusNotImplemented:
		return verdict{retry: true, wait: t.backoff(attempt), why: resp.Status}
	case code != http.StatusForbidden && code != http.StatusTooManyRequests:
		return verdict{}
	case resp.Header.Get("X-RateLimit-Remaining") == "0":
		wait := t.backoff(attempt)
		if reset, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64); err == nil {
			// The quota comes back at the reset second; a second more
			// covers clocks that disagree a little.
			wait = time.Unix(reset, 0).Sub(t.now()) + time.Second
		}
		return verdict{retry: true, untouched: true, wait: t.capped(wait), why: "primary rate limit"}
	case resp.Header.Get("Retry-After") != "":
		secs, err := strconv.Atoi(resp.Header.Get("Retry-After"))
		if err != nil {
			secs = 60
		}
		return verdict{retry: true, untouched: true, wait: t.capped(time.Duration(secs) * time.Second), why: "secondary rate limit"}
	case code == http.StatusTooManyRequests || secondaryLimit(resp):
		// GitHub's advice without a Retry-After: wait at least a minute.
		return verdict{retry: true, untouched: true, wait: t.capped(max(time.Minute, t.backoff(attempt))), why: "secondary rate limit"}
	}
	return verdict{} // a 403 that is a refusal: no permission
}

func (t *retryTransport) capped(d time.Duration) time.Duration { return max(0, min(d, t.max)) }

// secondaryLimit tells a secondary rate limit without Retry-After from a
// plain 403 by its message, leaving the body readable for go-github.
func secondaryLimit(resp *http.Response) bool {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(b), resp.Body), resp.Body}
	s := strings.ToLower(string(b))
	return strings.Contains(s, "secondary rate limit") || strings.Contains(s, "abuse")
}
