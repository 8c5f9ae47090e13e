package server_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/plumbhq/plumb/server"
)

func get(h http.Handler, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec
}

func TestHealthAndReady(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	if rec := get(b.h, "/healthz"); rec.Code != 200 {
		t.Errorf("/healthz: %d", rec.Code)
	}
	if rec := get(b.h, "/readyz"); rec.Code != 200 {
		t.Errorf("/readyz: %d %s", rec.Code, rec.Body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := b.q.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if rec := get(b.h, "/readyz"); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("/readyz with the queue stopped: %d, want 503", rec.Code)
	}
	if rec := get(b.h, "/healthz"); rec.Code != 200 {
		t.Errorf("/healthz with the queue stopped: %d, want 200", rec.Code)
	}
	if rec := get(b.h, "/nope"); rec.Code != 404 {
		t.Errorf("/nope: %d, want 404", rec.Code)
	}
}

func TestReadyHidesTheCause(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *server.Config) {
		c.Ready = func(context.Context) error { return errors.New("open /secret/path: permission denied") }
	})
	rec := get(b.h, "/readyz")
	if rec.Code != http.StatusServiceUnavailable || strings.Contains(rec.Body.String(), "secret") {
		t.Errorf("/readyz: %d %s", rec.Code, rec.Body)
	}
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	post(t, b.h, "pull_request", "d1", prPayload("acme/infra", "opened"), "")
	post(t, b.h, "pull_request", "d1", prPayload("acme/infra", "opened"), "")
	post(t, b.h, "bogus-\x00-event", "d2", []byte("{}"), "-")
	body := get(b.h, "/metrics").Body.String()
	for _, want := range []string{
		`plumb_webhook_deliveries_total{event="pull_request",result="accepted"} 1`,
		`plumb_webhook_deliveries_total{event="pull_request",result="duplicate"} 1`,
		`plumb_webhook_deliveries_total{event="other",result="unauthorized"} 1`,
		`plumb_queue_jobs{state="available"}`,
		`plumb_queue_jobs{state="completed"}`,
		`plumb_locks_held 2`,
		`plumb_lock_oldest_age_seconds 90`,
		`plumb_apply_queue_waiting 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if t.Failed() {
		t.Log(body)
	}
}

func TestRunMetrics(t *testing.T) {
	t.Parallel()
	m := server.NewMetrics(server.MetricsConfig{})
	m.RunFinished("plan", "changes", 3*time.Second)
	m.RunFinished("apply", "failed", 90*time.Second)
	b := setup(t, func(c *server.Config) { c.Metrics = m })
	body := get(b.h, "/metrics").Body.String()
	for _, want := range []string{
		`plumb_runs_total{kind="plan",status="changes"} 1`,
		`plumb_runs_total{kind="apply",status="failed"} 1`,
		`plumb_run_duration_seconds_bucket{kind="plan",le="5"} 1`,
		`plumb_run_duration_seconds_count{kind="apply"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s\n%s", want, body)
		}
	}
}

// A failing check is named in the answer, without its cause; the others
// are not.
func TestReadyNamesTheFailingCheck(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *server.Config) {
		c.ReadyChecks = []server.ReadyCheck{
			{Name: "store", Check: func(context.Context) error { return nil }},
			{Name: "artifacts", Check: func(context.Context) error { return errors.New("bucket s3://secret-bucket: not found") }},
		}
	})
	rec := get(b.h, "/readyz")
	if body := rec.Body.String(); rec.Code != http.StatusServiceUnavailable || !strings.Contains(body, `"failing":["artifacts"]`) || strings.Contains(body, "secret") {
		t.Errorf("/readyz: %d %s", rec.Code, body)
	}
}
