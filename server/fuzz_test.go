package server_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

// FuzzEvents posts random deliveries, signed or not, to the handler (with
// the test parser and sink; FuzzServerEvents in cmd/plumb runs the real
// verifier and queue): every answer is a short JSON object with a 2xx or
// 4xx status, never a panic or a 5xx.
func FuzzEvents(f *testing.F) {
	b := setup(f, nil)
	f.Add("pull_request", "d1", "application/json", prPayload("acme/infra", "opened"), true)
	f.Add("pull_request", "d2", "application/json", prPayload("acme/infra", "closed"), true)
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
			req.Header.Set("X-Hub-Signature-256", sign(body))
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
