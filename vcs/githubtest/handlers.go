package githubtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// handler answers one validated API operation; s.mu is held.
type handler func(s *Server, w http.ResponseWriter, r *http.Request, p map[string]string, body []byte)

// handlers by "METHOD /path/template" of the description.
var handlers = map[string]handler{
	"GET /repos/{owner}/{repo}/issues/{issue_number}/comments":          listComments,
	"POST /repos/{owner}/{repo}/issues/{issue_number}/comments":         createComment,
	"GET /repos/{owner}/{repo}/issues/comments/{comment_id}":            getComment,
	"PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}":          editComment,
	"DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}":         deleteComment,
	"POST /repos/{owner}/{repo}/statuses/{sha}":                         createStatus,
	"GET /repos/{owner}/{repo}/commits/{ref}/statuses":                  listStatuses,
	"GET /repos/{owner}/{repo}":                                         getRepo,
	"GET /repos/{owner}/{repo}/issues":                                  listIssues,
	"POST /repos/{owner}/{repo}/issues":                                 createIssue,
	"GET /repos/{owner}/{repo}/issues/{issue_number}":                   getIssue,
	"PATCH /repos/{owner}/{repo}/issues/{issue_number}":                 editIssue,
	"GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls":              listPullsOfCommit,
	"GET /repos/{owner}/{repo}/pulls/{pull_number}":                     getPull,
	"GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews":             listReviews,
	"GET /repos/{owner}/{repo}/collaborators/{username}/permission":     getPermission,
	"GET /orgs/{org}/teams/{team_slug}/memberships/{username}":          getTeamMembership,
	"POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions": createReaction,
	"POST /app/installations/{installation_id}/access_tokens":           createInstallationToken,
	"GET /user": getUser,
	"GET /app":  getApp,
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

func num(p map[string]string, key string) int {
	n, _ := strconv.Atoi(p[key])
	return n
}

// login is who the request's token belongs to: the token's user, a user
// who logged in through OAuth, or the App. s.mu is held.
func (s *Server) login(r *http.Request) string {
	_, cred, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if cred == s.token {
		return TokenLogin
	}
	if user, ok := s.userTokens[cred]; ok {
		return user
	}
	return AppLogin
}

// page answers a list the way GitHub paginates: per_page (default 30, at
// most 100), page, and a Link header pointing at the next page.
func page[T any](w http.ResponseWriter, r *http.Request, items []T) {
	q := r.URL.Query()
	per, _ := strconv.Atoi(q.Get("per_page"))
	if per <= 0 {
		per = 30
	}
	per = min(per, 100)
	n, _ := strconv.Atoi(q.Get("page"))
	n = max(n, 1)
	start := min((n-1)*per, len(items))
	end := min(start+per, len(items))
	if end < len(items) {
		next := *r.URL
		q.Set("page", strconv.Itoa(n+1))
		q.Set("per_page", strconv.Itoa(per))
		next.RawQuery = q.Encode()
		prefix, _ := r.Context().Value(prefixKey{}).(string)
		w.Header().Set("Link", fmt.Sprintf(`<http://%s%s%s>; rel="next"`, r.Host, prefix, next.RequestURI()))
	}
	if items == nil {
		items = []T{} // an empty page is [], never null
	}
	writeJSON(w, http.StatusOK, items[start:end])
}

func listComments(s *Server, w http.ResponseWriter, r *http.Request, p map[string]string, _ []byte) {
	rs := s.repo(p["owner"], p["repo"])
	n := num(p, "issue_number")
	if s.issueOr404(w, rs, n) == nil {
		return
	}
	var out []obj
	for _, c := range rs.comments {
		if c.Issue == n {
			out = append(out, s.commentJSON(rs, c))
		}
	}
	page(w, r, out)
}

func createComment(s *Server, w http.ResponseWriter, r *http.Request, p map[string]string, body []byte) {
	rs := s.repo(p["owner"], p["repo"])
	n := num(p, "issue_number")
	if s.issueOr404(w, rs, n) == nil {
		return
	}
	text, ok := commentBody(w, body)
	if !ok {
		return
	}
	now := time.Now().UTC()
	c := &Comment{ID: s.id(), Issue: n, Body: text, User: s.login(r), CreatedAt: now, UpdatedAt: now}
	rs.comments = append(rs.comments, c)
	writeJSON(w, http.StatusCreated, s.commentJSON(rs, c))
}

// commentBody reads a comment request's body, refusing what GitHub refuses:
// more than 65,536 characters.
func commentBody(w http.ResponseWriter, body []byte) (string, bool) {
	var in struct{ Body string }
	_ = json.Unmarshal(body, &in)
	if len(in.Body) > 65536 {
		e := validationError("IssueComment", "data", "unprocessable")
		e["errors"].([]obj)[0]["message"] = "Body is too long (maximum is 65536 characters)"
		writeJSON(w, http.StatusUnprocessableEntity, e)
		return "", false
	}
	return in.Body, true
}

func findComment(rs *repoState, id string) int {
	n, _ := strconv.ParseInt(id, 10, 64)
	return slices.IndexFunc(rs.comments, func(c *Comment) bool { return c.ID == n })
}

func getComment(s *Server, w http.ResponseWriter, _ *http.Request, p map[string]string, _ []byte) {
	rs := s.repo(p["owner"], p["repo"])
	i := findComment(rs, p["comment_id"])
	if i < 0 {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	writeJSON(w, http.StatusOK, s.commentJSON(rs, rs.comments[i]))
}

func editComment(s *Server, w http.ResponseWriter, r *http.Request, p map[string]string, body []byte) {
	rs := s.repo(p["owner"], p["repo"])
	i := findComment(rs, p["comment_id"])
	if i < 0 {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	c := rs.comments[i]
	// Only the author (or an admin, which plumb is not) may edit a comment.
	if c.User != s.login(r) {
		writeError(w, http.StatusForbidden, "Resource not accessible by integration")
		return
	}
	text, ok := commentBody(w, body)
	if !ok {
		return
	}
	c.Body, c.UpdatedAt = text, time.Now().UTC()
	writeJSON(w, http.StatusOK, s.commentJSON(rs, c))
}

func deleteComment(s *Server, w http.ResponseWriter, r *http.Request, p map[string]string, _ []byte) {
	rs := s.repo(p["owner"], p["repo"])
	i := findComment(rs, p["comment_id"])
	if i < 0 {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	if rs.comments[i].User != s.login(r) {
		writeError(w, http.StatusForbidden, "Resource not accessible by integration")
		return
	}
	rs.comments = slices.Delete(rs.comments, i, i+1)
	w.WriteHeader(http.StatusNoContent)
}

func createStatus(s *Server, w http.ResponseWriter, r *http.Request, p map[string]string, body []byte) {
	rs := s.repo(p["owner"], p["repo"])
	var in struct {
		State, Context, Description string
		TargetURL                   string `json:"target_url"`
	}
	_ = json.Unmarshal(body, &in)
	if in.Context == "" {
		in.Context = "default"
	}
	// GitHub's limit, not in the description: longer descriptions are a 422.
	if len([]rune(in.Description)) > 140 {
		s.t.Errorf("githubtest: status description over 140 characters: %q", in.Description)
		e := validationError("Status", "description", "custom")
		e["errors"].([]obj)[0]["message"] = "description is too long (maximum is 140 characters)"
		writeJSON(w, http.StatusUnprocessableEntity, e)
		return
	}
	st := &Status{ID: s.id(), SHA: p["sha"], State: in.State, Context: in.Context, Description: in.Description,
		TargetURL: in.TargetURL, Creator: s.login(r), CreatedAt: time.Now().UTC()}
	rs.statuses = append(rs.statuses, st)
	writeJSON(w, http.StatusCreated, s.statusJSON(rs, st))
}

func listStatuses(s *Server, w http.ResponseWriter, r *http.Request, p map[string]string, _ []byte) {
	rs := s.repo(p["owner"], p["repo"])
	var out []obj
	for i := len(rs.statuses) - 1; i >= 0; i-- { // newest first, as GitHub lists them
		if rs.statuses[i].SHA == p["ref"] {
			out = append(out, s.statusJSON(rs, rs.statuses[i]))
		}
	}
	page(w, r, out)
}

func getPermission(s *Server, w http.ResponseWriter, _ *http.Request, p map[string]string, _ []byte) {
	perm := s.repo(p["owner"], p["repo"]).perms[p["username"]]
	if perm == "" {
		perm = "none"
	}
	u := s.userJSON(p["username"])
	u["role_name"] = perm
	writeJSON(w, http.StatusOK, obj{"permission": perm, "role_name": perm, "user": u})
}

func createInstallationToken(s *Server, w http.ResponseWriter, _ *http.Request, p map[string]string, _ []byte) {
	if num(p, "installation_id") != InstallationID {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	tok := "ghs_" + randHex(18)
	s.tokens[tok] = true
	writeJSON(w, http.StatusCreated, obj{"token": tok, "expires_at": stamp(time.Now().Add(time.Hour)),
		"permissions": obj{"issues": "write", "pull_requests": "write", "statuses": "write"}, "repository_selection": "all"})
}

func getUser(s *Server, w http.ResponseWriter, r *http.Request, _ map[string]string, _ []byte) {
	login := s.login(r)
	if login == AppLogin {
		// GitHub answers an installation token here with a 403.
		writeError(w, http.StatusForbidden, "Resource not accessible by integration")
		return
	}
	writeJSON(w, http.StatusOK, s.privateUserJSON(login))
}

func getApp(s *Server, w http.ResponseWriter, _ *http.Request, _ map[string]string, _ []byte) {
	writeJSON(w, http.StatusOK, s.appJSON())
}

func getTeamMembership(s *Server, w http.ResponseWriter, _ *http.Request, p map[string]string, _ []byte) {
	state := s.teams[p["org"]+"/"+p["team_slug"]][p["username"]]
	if state == "" {
		// Not a member: a 404 with GitHub's usual body.
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	writeJSON(w, http.StatusOK, obj{"role": "member", "state": state,
		"url": s.apiURL("/organizations/%d/team/%d/memberships/%s", idOf(p["org"]), idOf(p["org"]+"/"+p["team_slug"]), p["username"])})
}

// createReaction records a reaction; the same user's same reaction again
// is answered 200 with the existing one, as GitHub does.
func createReaction(s *Server, w http.ResponseWriter, r *http.Request, p map[string]string, body []byte) {
	rs := s.repo(p["owner"], p["repo"])
	i := findComment(rs, p["comment_id"])
	if i < 0 {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	var in struct{ Content string }
	_ = json.Unmarshal(body, &in)
	id, login := rs.comments[i].ID, s.login(r)
	for _, rc := range rs.reactions {
		if rc.CommentID == id && rc.User == login && rc.Content == in.Content {
			writeJSON(w, http.StatusOK, s.reactionJSON(rc))
			return
		}
	}
	rc := &Reaction{ID: s.id(), CommentID: id, User: login, Content: in.Content, CreatedAt: time.Now().UTC()}
	rs.reactions = append(rs.reactions, rc)
	writeJSON(w, http.StatusCreated, s.reactionJSON(rc))
}
