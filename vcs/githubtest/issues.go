package githubtest

import (
	"encoding/json"
	"net/http"
	"os"
	"slices"
	"strings"
)

// Issues, the repository itself, and the helpers a test uses to act as the
// people who touch them: open one, rename it, delete it.

// AddIssue opens an issue in owner/name as user (octocat when empty) and
// returns its number, as someone other than plumb would.
func (s *Server) AddIssue(owner, name string, is Issue) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.repo(owner, name)
	is.Number, is.PR, is.Comments = r.nextNumber, false, nil
	if is.State == "" {
		is.State = "open"
	}
	if is.User == "" {
		is.User = "octocat"
	}
	r.nextNumber++
	r.issues[is.Number] = &is
	return is.Number
}

// RenameIssue retitles issue number, as a person editing it on GitHub.
func (s *Server) RenameIssue(owner, name string, number int, title string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if is := s.repo(owner, name).issues[number]; is != nil {
		is.Title = title
	} else {
		s.t.Errorf("githubtest: rename: %s/%s has no issue %d", owner, name, number)
	}
}

// DeleteIssue deletes issue number, as a repository admin can: GitHub then
// answers 410 Gone for it.
func (s *Server) DeleteIssue(owner, name string, number int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.repo(owner, name)
	delete(r.issues, number)
	r.gone[number] = true
}

// Issues returns the repository's issues (not pull requests) by number,
// each with its comments, oldest first.
func (s *Server) Issues(owner, name string) []Issue {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.repo(owner, name)
	var out []Issue
	for n := 1; n < r.nextNumber; n++ {
		is := r.issues[n]
		if is == nil || is.PR {
			continue
		}
		c := *is
		c.Labels = slices.Clone(is.Labels)
		for _, cm := range r.comments {
			if cm.Issue == n {
				c.Comments = append(c.Comments, *cm)
			}
		}
		out = append(out, c)
	}
	return out
}

// SetDefaultBranch changes what GET /repos/{owner}/{repo} names as the
// default branch (main until then).
func (s *Server) SetDefaultBranch(owner, name, branch string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.repo(owner, name).branch = branch
}

// getRepo answers for a repository the server knows: set up by a helper,
// touched by an earlier request, or made by InitRepo. Any other is a 404,
// so a test can ask for one that does not exist.
func getRepo(s *Server, w http.ResponseWriter, _ *http.Request, p map[string]string, _ []byte) {
	rs := s.repos[p["owner"]+"/"+p["repo"]]
	if rs == nil {
		if _, err := os.Stat(s.bareDir(p["owner"], p["repo"])); err != nil {
			writeError(w, http.StatusNotFound, "Not Found")
			return
		}
		rs = s.repo(p["owner"], p["repo"])
	}
	out := s.repoJSON(rs)
	// full-repository requires these beyond repository's fields.
	out["has_discussions"], out["network_count"], out["subscribers_count"] = false, 0, 0
	writeJSON(w, http.StatusOK, out)
}

// issueOr404 is issue n, or nil after answering 404 (never was) or 410
// (deleted), as GitHub tells the two apart.
func (s *Server) issueOr404(w http.ResponseWriter, rs *repoState, n int) *Issue {
	is := rs.issues[n]
	switch {
	case is == nil && rs.gone[n]:
		writeError(w, http.StatusGone, "This issue was deleted")
	case is == nil:
		writeError(w, http.StatusNotFound, "Not Found")
	}
	return is
}

func listIssues(s *Server, w http.ResponseWriter, r *http.Request, p map[string]string, _ []byte) {
	rs := s.repo(p["owner"], p["repo"])
	q := r.URL.Query()
	state := q.Get("state")
	if state == "" {
		state = "open"
	}
	var labels []string
	if l := q.Get("labels"); l != "" {
		labels = strings.Split(l, ",")
	}
	var out []obj
	for n := rs.nextNumber - 1; n >= 1; n-- { // newest first
		is := rs.issues[n]
		if is == nil || (state != "all" && is.State != state) {
			continue
		}
		if !containsAll(is.Labels, labels) || (q.Get("creator") != "" && q.Get("creator") != is.User) {
			continue
		}
		out = append(out, s.issueJSON(rs, is))
	}
	page(w, r, out)
}

func containsAll(have, want []string) bool {
	for _, l := range want {
		if !slices.Contains(have, strings.TrimSpace(l)) {
			return false
		}
	}
	return true
}

type issueInput struct {
	Title       *string
	Body        *string
	State       *string
	StateReason *string           `json:"state_reason"`
	Labels      []json.RawMessage // strings, or {name: ...} objects
}

func (in issueInput) labelNames() []string {
	var out []string
	for _, raw := range in.Labels {
		var name string
		if json.Unmarshal(raw, &name) != nil {
			var obj struct{ Name string }
			_ = json.Unmarshal(raw, &obj)
			name = obj.Name
		}
		out = append(out, name)
	}
	return out
}

// readIssue decodes an issue request, refusing what GitHub refuses beyond
// the description: a body over 65,536 characters.
func (s *Server) readIssue(w http.ResponseWriter, body []byte) (issueInput, bool) {
	var in issueInput
	_ = json.Unmarshal(body, &in)
	if in.Body != nil && len([]rune(*in.Body)) > 65536 {
		s.t.Errorf("githubtest: issue body of %d characters, over GitHub's 65536", len([]rune(*in.Body)))
		e := validationError("Issue", "body", "custom")
		e["errors"].([]obj)[0]["message"] = "body is too long (maximum is 65536 characters)"
		writeJSON(w, http.StatusUnprocessableEntity, e)
		return in, false
	}
	return in, true
}

func createIssue(s *Server, w http.ResponseWriter, r *http.Request, p map[string]string, body []byte) {
	rs := s.repo(p["owner"], p["repo"])
	in, ok := s.readIssue(w, body)
	if !ok {
		return
	}
	is := &Issue{Number: rs.nextNumber, State: "open", User: s.login(r), Labels: in.labelNames()}
	if in.Title != nil {
		is.Title = *in.Title
	}
	if in.Body != nil {
		is.Body = *in.Body
	}
	rs.nextNumber++
	rs.issues[is.Number] = is
	writeJSON(w, http.StatusCreated, s.issueJSON(rs, is))
}

func getIssue(s *Server, w http.ResponseWriter, _ *http.Request, p map[string]string, _ []byte) {
	rs := s.repo(p["owner"], p["repo"])
	if is := s.issueOr404(w, rs, num(p, "issue_number")); is != nil {
		writeJSON(w, http.StatusOK, s.issueJSON(rs, is))
	}
}

func editIssue(s *Server, w http.ResponseWriter, _ *http.Request, p map[string]string, body []byte) {
	rs := s.repo(p["owner"], p["repo"])
	is := s.issueOr404(w, rs, num(p, "issue_number"))
	if is == nil {
		return
	}
	in, ok := s.readIssue(w, body)
	if !ok {
		return
	}
	if in.Title != nil {
		is.Title = *in.Title
	}
	if in.Body != nil {
		is.Body = *in.Body
	}
	// GitHub ignores state_reason unless the state changes.
	if in.State != nil && *in.State != is.State {
		is.State, is.StateReason = *in.State, ""
		switch {
		case in.StateReason != nil:
			is.StateReason = *in.StateReason
		case is.State == "open":
			is.StateReason = "reopened"
		default:
			is.StateReason = "completed"
		}
	}
	if in.Labels != nil {
		is.Labels = in.labelNames()
	}
	writeJSON(w, http.StatusOK, s.issueJSON(rs, is))
}
