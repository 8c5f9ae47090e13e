package githubtest

import (
	"time"
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
	// StateReason is why it was last closed or reopened: completed,
	// not_planned, reopened; empty for an issue never closed.
	StateReason string
	Labels      []string
	User        string
	PR          bool
	// Comments are the issue's comments, oldest first, as Issues returns
	// them; the server keeps comments apart (see Comments).
	Comments []Comment
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
	// HeadRepo is the "owner/name" of the fork the head branch lives in;
	// empty for a branch of the repository itself.
	HeadRepo string
	// MergeCommitSHA is the commit a merged pull request landed as
	// (MergePull sets it, with MergedAt and MergedBy).
	MergeCommitSHA string
	MergedAt       time.Time
	MergedBy       string
	// Mergeable is nil while GitHub is computing it; MergeableState
	// defaults from it: unknown (nil), clean (true), dirty (false).
	Mergeable      *bool
	MergeableState string
}

// Reaction is one reaction to an issue or pull request comment.
type Reaction struct {
	ID        int64
	CommentID int64
	User      string
	Content   string // +1, -1, laugh, confused, heart, hooray, rocket, eyes
	CreatedAt time.Time
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
	reactions   []*Reaction
	nextNumber  int
	gone        map[int]bool // deleted issues: 410, not 404
	branch      string       // SetDefaultBranch's; "" is main
}

// defaultBranch is the repository's default branch: main, as InitRepo
// creates it, unless a test set another.
func (r *repoState) defaultBranch() string {
	if r.branch != "" {
		return r.branch
	}
	return "main"
}

// repo returns the state of owner/name, creating it: any repo exists.
// Callers hold s.mu.
func (s *Server) repo(owner, name string) *repoState {
	key := owner + "/" + name
	r := s.repos[key]
	if r == nil {
		r = &repoState{owner: owner, name: name, issues: map[int]*Issue{}, pulls: map[int]*PullRequest{},
			reviews: map[int][]*Review{}, perms: map[string]string{}, gone: map[int]bool{}, nextNumber: 1}
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
	if pr.Merged && pr.MergedAt.IsZero() {
		pr.MergedAt = time.Now().UTC()
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

func (s *Server) apiURL(format string, args ...any) string {
	return s.srv.URL + sprintf(format, args...)
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

// Reactions lists the reactions (their content: "eyes", "+1", …) to
// comment commentID of owner/name, oldest first.
func (s *Server) Reactions(owner, name string, commentID int64) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, rc := range s.repo(owner, name).reactions {
		if rc.CommentID == commentID {
			out = append(out, rc.Content)
		}
	}
	return out
}

// AddTeamMember makes user an active member of org's team (its slug), as
// GET /orgs/{org}/teams/{team_slug}/memberships/{username} reports it.
func (s *Server) AddTeamMember(org, team, user string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := org + "/" + team
	if s.teams[key] == nil {
		s.teams[key] = map[string]string{}
	}
	s.teams[key][user] = "active"
}
