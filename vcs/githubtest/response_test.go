package githubtest

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
)

// The server's answers are held to GitHub's response schemas: a field the
// schema requires, a wrong type or a value outside an enum fails the test.
func TestCheckResponseBites(t *testing.T) {
	rt, err := router()
	if err != nil {
		t.Fatal(err)
	}
	s := NewServer(t)
	s.AddPull("acme", "infra", PullRequest{Number: 1})
	rs := s.repo("acme", "infra")
	good := s.commentJSON(rs, &Comment{ID: 5, Issue: 1, Body: "hi", User: "octocat"})
	tests := []struct {
		name   string
		status int
		edit   func(obj)
		want   string // "" = valid
	}{
		{"valid", 201, func(obj) {}, ""},
		{"missing a required field", 201, func(o obj) { delete(o, "node_id") }, `/node_id: property "node_id" is missing`},
		{"wrong type", 201, func(o obj) { o["id"] = "five" }, "/id"},
		{"nested user incomplete", 201, func(o obj) { delete(o["user"].(obj), "login") }, `/user`},
		{"enum", 201, func(o obj) { o["author_association"] = "FRIEND" }, "/author_association"},
		{"documented error status", 422, func(o obj) { clear(o); o["errors"] = []obj{{"code": "invalid"}} }, "documentation_url"},
		{"undocumented status passes", 502, func(o obj) { clear(o) }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := obj{}
			raw, _ := json.Marshal(good)
			_ = json.Unmarshal(raw, &body)
			tt.edit(body)
			req := httptest.NewRequest("POST", "/repos/acme/infra/issues/1/comments", strings.NewReader(`{"body":"hi"}`))
			route, params, err := rt.FindRoute(req)
			if err != nil {
				t.Fatal(err)
			}
			c := newCapture()
			writeJSON(c, tt.status, body)
			err = checkResponse(req, route, params, c)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("valid answer rejected: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("err = %v, want one naming %q", err, tt.want)
			}
		})
	}
}
