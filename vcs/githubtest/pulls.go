package githubtest

import (
	"net/http"
	"strings"
)

// pullSimpleJSON is a pull-request-simple, what list endpoints answer: no
// merged flag, no mergeability, no counters.
func (s *Server) pullSimpleJSON(r *repoState, p *PullRequest) obj {
	api := s.apiURL("/repos/%s/%s/pulls/%d", r.owner, r.name, p.Number)
	issue := s.apiURL("/repos/%s/%s/issues/%d", r.owner, r.name, p.Number)
	html := s.srv.URL + sprintf("/%s/%s/pull/%d", r.owner, r.name, p.Number)
	id := idOf(sprintf("%s/%s!%d", r.owner, r.name, p.Number))
	var mergeSHA any
	if p.MergeCommitSHA != "" {
		mergeSHA = p.MergeCommitSHA
	}
	labels := []obj{}
	if is := r.issues[p.Number]; is != nil {
		for _, l := range is.Labels {
			labels = append(labels, s.labelJSON(r, l))
		}
	}
	link := func(href string) obj { return obj{"href": href} }
	out := obj{
		"id": id, "node_id": nodeID("011:PullRequest", id), "number": p.Number, "title": p.Title, "body": nil,
		"state": p.State, "locked": false, "draft": p.Draft, "user": s.userJSON(p.User),
		"author_association": r.association(p.User), "auto_merge": nil,
		"labels": labels, "assignee": nil, "assignees": []obj{}, "requested_reviewers": []obj{}, "milestone": nil,
		"created_at": stamp(epoch), "updated_at": stamp(epoch), "closed_at": nil,
		"merged_at": stampOrNil(p.MergedAt), "merge_commit_sha": mergeSHA,
		"url": api, "html_url": html, "diff_url": html + ".diff", "patch_url": html + ".patch", "issue_url": issue,
		"commits_url": api + "/commits", "review_comments_url": api + "/comments",
		"review_comment_url": s.apiURL("/repos/%s/%s/pulls/comments{/number}", r.owner, r.name),
		"comments_url":       issue + "/comments",
		"statuses_url":       s.apiURL("/repos/%s/%s/statuses/%s", r.owner, r.name, p.HeadSHA),
		"head":               s.branchJSON(s.headRepo(r, p), p.HeadRef, p.HeadSHA),
		"base":               s.branchJSON(r, p.BaseRef, p.BaseSHA),
		"_links": obj{
			"self": link(api), "html": link(html), "issue": link(issue), "comments": link(issue + "/comments"),
			"review_comments": link(api + "/comments"), "commits": link(api + "/commits"),
			"review_comment": link(s.apiURL("/repos/%s/%s/pulls/comments{/number}", r.owner, r.name)),
			"statuses":       link(s.apiURL("/repos/%s/%s/statuses/%s", r.owner, r.name, p.HeadSHA)),
		},
	}
	if p.State == "closed" {
		out["closed_at"] = stamp(p.MergedAt)
		if p.MergedAt.IsZero() {
			out["closed_at"] = stamp(epoch)
		}
	}
	return out
}

// pullJSON is a full pull-request, what GET of one answers.
func (s *Server) pullJSON(r *repoState, p *PullRequest) obj {
	out := s.pullSimpleJSON(r, p)
	state := p.MergeableState
	if state == "" {
		switch {
		case p.Mergeable == nil:
			state = "unknown"
		case *p.Mergeable:
			state = "clean"
		default:
			state = "dirty"
		}
	}
	var mergeable, mergedBy any
	if p.Mergeable != nil {
		mergeable = *p.Mergeable
	}
	if p.Merged && p.MergedBy != "" {
		mergedBy = s.userJSON(p.MergedBy)
	}
	for k, v := range (obj{
		"merged": p.Merged, "mergeable": mergeable, "mergeable_state": state, "rebaseable": mergeable,
		"merged_by": mergedBy, "maintainer_can_modify": false,
		"comments": 0, "review_comments": 0, "commits": 1, "additions": 0, "deletions": 0, "changed_files": 0,
	}) {
		out[k] = v
	}
	return out
}

// headRepo is the repository a pull request's head branch lives in.
func (s *Server) headRepo(r *repoState, p *PullRequest) *repoState {
	owner, name, ok := strings.Cut(p.HeadRepo, "/")
	if !ok || p.HeadRepo == r.owner+"/"+r.name {
		return r
	}
	return s.repo(owner, name)
}

func (s *Server) branchJSON(r *repoState, ref, sha string) obj {
	return obj{"label": r.owner + ":" + ref, "ref": ref, "sha": sha, "user": s.userJSON(r.owner), "repo": s.repoJSON(r)}
}

func getPull(s *Server, w http.ResponseWriter, _ *http.Request, p map[string]string, _ []byte) {
	rs := s.repo(p["owner"], p["repo"])
	pr := rs.pulls[num(p, "pull_number")]
	if pr == nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	writeJSON(w, http.StatusOK, s.pullJSON(rs, pr))
}

// listPullsOfCommit answers as GitHub does: the merged pull requests that
// brought the commit in (as their merge commit, or a fast-forwarded head),
// or, when there are none, the open ones whose head it is.
func listPullsOfCommit(s *Server, w http.ResponseWriter, r *http.Request, p map[string]string, _ []byte) {
	rs := s.repo(p["owner"], p["repo"])
	sha := p["commit_sha"]
	var merged, open []obj
	for n := 1; n < rs.nextNumber; n++ {
		pr := rs.pulls[n]
		switch {
		case pr == nil:
		case pr.Merged && (pr.MergeCommitSHA == sha || pr.HeadSHA == sha):
			merged = append(merged, s.pullSimpleJSON(rs, pr))
		case pr.State == "open" && pr.HeadSHA == sha:
			open = append(open, s.pullSimpleJSON(rs, pr))
		}
	}
	if len(merged) == 0 {
		merged = open
	}
	if merged == nil {
		merged = []obj{}
	}
	page(w, r, merged)
}

func listReviews(s *Server, w http.ResponseWriter, r *http.Request, p map[string]string, _ []byte) {
	rs := s.repo(p["owner"], p["repo"])
	n := num(p, "pull_number")
	if rs.pulls[n] == nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	out := []obj{}
	for _, rv := range rs.reviews[n] {
		out = append(out, s.reviewJSON(rs, n, rv))
	}
	page(w, r, out)
}
