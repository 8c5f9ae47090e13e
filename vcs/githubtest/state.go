package githubtest

import (
	"time"

	"github.com/google/go-github/v60/github"
)

// Logins the server gives the author of what plumb writes: the token user,
// or the App's bot account.
const (
	TokenLogin = "plumb-user"
	AppLogin   = "plumb-test[bot]"
)

// Comment is one issue or pull request comment the server keeps.
type Comment struct {
	ID        int64
	Issue     int
	Body      string
	User      string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Status is one commit status, as posted.
type Status struct {
	ID          int64
	SHA         string
	State       string
	Context     string
	Description string
	TargetURL   string
	Creator     string
	CreatedAt   time.Time
}

// Issue is an issue (or the issue side of a pull request).
type Issue struct {
	Number int
	Title  string
	Body   string
	State  string // open, closed
	Labels []string
	User   string
	PR     bool
}

// PullRequest is what a test sets up for plumb to read back.
type PullRequest struct {
	Number           int
	Title            string
	User             string
	HeadRef, HeadSHA string
	BaseRef, BaseSHA string
	Draft, Merged    bool
	State            string // open (default), closed
}

// Review is one pull request review (APPROVED, CHANGES_REQUESTED, ...).
type Review struct {
	ID    int64
	User  string
	State string
	SHA   string
}

type repoState struct {
	owner, name string
	comments    []*Comment
	issues      map[int]*Issue
	pulls       map[int]*PullRequest
	statuses    []*Status
	reviews     map[int][]*Review
	perms       map[string]string
	nextNumber  int
}

// repo returns the state of owner/name, creating it: any repo exists.
// Callers hold s.mu.
func (s *Server) repo(owner, name string) *repoState {
	key := owner + "/" + name
	r := s.repos[key]
	if r == nil {
		r = &repoState{owner: owner, name: name, issues: map[int]*Issue{}, pulls: map[int]*PullRequest{},
			reviews: map[int][]*Review{}, perms: map[string]string{}, nextNumber: 1}
		s.repos[key] = r
	}
	return r
}

func (s *Server) id() int64 { s.nextID++; return s.nextID }

// AddPull opens a pull request (and its issue) in owner/name.
func (s *Server) AddPull(owner, name string, pr PullRequest) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.repo(owner, name)
	if pr.State == "" {
		pr.State = "open"
	}
	if pr.User == "" {
		pr.User = "octocat"
	}
	r.pulls[pr.Number] = &pr
	r.issues[pr.Number] = &Issue{Number: pr.Number, Title: pr.Title, State: pr.State, User: pr.User, PR: true}
	if pr.Number >= r.nextNumber {
		r.nextNumber = pr.Number + 1
	}
}

// AddReview records a review of pull request pr.
func (s *Server) AddReview(owner, name string, pr int, user, state string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.repo(owner, name)
	sha := ""
	if p := r.pulls[pr]; p != nil {
		sha = p.HeadSHA
	}
	r.reviews[pr] = append(r.reviews[pr], &Review{ID: s.id(), User: user, State: state, SHA: sha})
}

// SetPermission gives user a permission (admin, write, read, none) on the repo.
func (s *Server) SetPermission(owner, name, user, perm string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.repo(owner, name).perms[user] = perm
}

// Comments returns the comments on issue or pull request number, oldest first.
func (s *Server) Comments(owner, name string, number int) []Comment {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Comment
	for _, c := range s.repo(owner, name).comments {
		if c.Issue == number {
			out = append(out, *c)
		}
	}
	return out
}

// Statuses returns every status posted on sha, oldest first.
func (s *Server) Statuses(owner, name, sha string) []Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Status
	for _, st := range s.repo(owner, name).statuses {
		if st.SHA == sha {
			out = append(out, *st)
		}
	}
	return out
}

// LatestStatuses returns the newest status per context on sha, which is
// what GitHub shows on the commit.
func (s *Server) LatestStatuses(owner, name, sha string) map[string]Status {
	out := map[string]Status{}
	for _, st := range s.Statuses(owner, name, sha) {
		out[st.Context] = st
	}
	return out
}

// Issues returns the repository's issues (not pull requests) by number.
func (s *Server) Issues(owner, name string) []Issue {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.repo(owner, name)
	var out []Issue
	for n := 1; n < r.nextNumber; n++ {
		if is := r.issues[n]; is != nil && !is.PR {
			out = append(out, *is)
		}
	}
	return out
}

// Pull returns pull request number as the server holds it.
func (s *Server) Pull(owner, name string, number int) (PullRequest, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.repo(owner, name).pulls[number]
	if p == nil {
		return PullRequest{}, false
	}
	return *p, true
}

// The JSON shapes below reuse go-github's types, whose JSON tags follow
// GitHub's REST responses.

func (s *Server) apiURL(format string, args ...any) string {
	return s.srv.URL + sprintf(format, args...)
}

func user(login string) *github.User {
	return &github.User{Login: github.String(login), Type: github.String("User")}
}

func (s *Server) commentJSON(r *repoState, c *Comment) *github.IssueComment {
	return &github.IssueComment{
		ID: github.Int64(c.ID), Body: github.String(c.Body), User: user(c.User),
		CreatedAt: &github.Timestamp{Time: c.CreatedAt}, UpdatedAt: &github.Timestamp{Time: c.UpdatedAt},
		HTMLURL:  github.String(s.srv.URL + sprintf("/%s/%s/pull/%d#issuecomment-%d", r.owner, r.name, c.Issue, c.ID)),
		URL:      github.String(s.apiURL("/repos/%s/%s/issues/comments/%d", r.owner, r.name, c.ID)),
		IssueURL: github.String(s.apiURL("/repos/%s/%s/issues/%d", r.owner, r.name, c.Issue)),
	}
}

func (s *Server) issueJSON(r *repoState, is *Issue) *github.Issue {
	out := &github.Issue{
		Number: github.Int(is.Number), Title: github.String(is.Title), Body: github.String(is.Body),
		State: github.String(is.State), User: user(is.User),
		HTMLURL: github.String(s.srv.URL + sprintf("/%s/%s/issues/%d", r.owner, r.name, is.Number)),
		URL:     github.String(s.apiURL("/repos/%s/%s/issues/%d", r.owner, r.name, is.Number)),
	}
	for _, l := range is.Labels {
		out.Labels = append(out.Labels, &github.Label{Name: github.String(l)})
	}
	if is.PR {
		out.PullRequestLinks = &github.PullRequestLinks{URL: github.String(s.apiURL("/repos/%s/%s/pulls/%d", r.owner, r.name, is.Number))}
	}
	return out
}

func (s *Server) pullJSON(r *repoState, p *PullRequest) *github.PullRequest {
	repo := &github.Repository{FullName: github.String(r.owner + "/" + r.name), Name: github.String(r.name),
		CloneURL: github.String(s.CloneURL(r.owner, r.name))}
	return &github.PullRequest{
		Number: github.Int(p.Number), Title: github.String(p.Title), State: github.String(p.State),
		Draft: github.Bool(p.Draft), Merged: github.Bool(p.Merged), User: user(p.User),
		HTMLURL: github.String(s.srv.URL + sprintf("/%s/%s/pull/%d", r.owner, r.name, p.Number)),
		Head:    &github.PullRequestBranch{Ref: github.String(p.HeadRef), SHA: github.String(p.HeadSHA), Repo: repo},
		Base:    &github.PullRequestBranch{Ref: github.String(p.BaseRef), SHA: github.String(p.BaseSHA), Repo: repo},
	}
}

// AddComment posts a comment by user on issue or pull request number, as
// people other than plumb do.
func (s *Server) AddComment(owner, name string, number int, login, body string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now().UTC()
	c := &Comment{ID: s.id(), Issue: number, Body: body, User: login, CreatedAt: now, UpdatedAt: now}
	r := s.repo(owner, name)
	r.comments = append(r.comments, c)
	return c.ID
}
