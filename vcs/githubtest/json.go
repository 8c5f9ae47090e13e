package githubtest

import (
	"encoding/base64"
	"hash/fnv"
	"strings"
	"time"
)

// The server builds its answers as plain JSON objects, not go-github
// types: go-github omits every field it has no value for, while GitHub's
// schemas require most of them, and checkResponse holds the server to
// those schemas. Each builder below fills every field its schema requires.

type obj = map[string]any

// stamp is how GitHub writes times: RFC 3339 in UTC, to the second.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// stampOrNil is a nullable time: null when unset.
func stampOrNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return stamp(t)
}

// idOf gives a name a stable positive id, so a login is the same account
// in every answer.
func idOf(name string) int64 {
	h := fnv.New32a()
	h.Write([]byte(name))
	return int64(h.Sum32()&0x7fffffff) + 1
}

func nodeID(kind string, id int64) string {
	return base64.StdEncoding.EncodeToString([]byte(sprintf("%s%d", kind, id)))
}

// accountType is what GitHub says a login is: App bots end in "[bot]".
func accountType(login string) string {
	if strings.HasSuffix(login, "[bot]") {
		return "Bot"
	}
	return "User"
}

// userJSON is a simple-user.
func (s *Server) userJSON(login string) obj {
	api := s.apiURL("/users/%s", login)
	id := idOf(login)
	return obj{
		"login": login, "id": id, "node_id": nodeID("04:User", id), "type": accountType(login), "site_admin": false,
		"avatar_url": sprintf("%s/avatars/u/%d", s.srv.URL, id), "gravatar_id": "",
		"url": api, "html_url": s.srv.URL + "/" + login,
		"followers_url": api + "/followers", "following_url": api + "/following{/other_user}",
		"gists_url": api + "/gists{/gist_id}", "starred_url": api + "/starred{/owner}{/repo}",
		"subscriptions_url": api + "/subscriptions", "organizations_url": api + "/orgs",
		"repos_url": api + "/repos", "events_url": api + "/events{/privacy}", "received_events_url": api + "/received_events",
	}
}

// privateUserJSON is the private-user GET /user answers its token's owner.
func (s *Server) privateUserJSON(login string) obj {
	u := s.userJSON(login)
	for k, v := range (obj{
		"user_view_type": "private", "name": nil, "company": nil, "blog": "", "location": nil, "email": nil,
		"hireable": nil, "bio": nil, "public_repos": 0, "public_gists": 0, "followers": 0, "following": 0,
		"created_at": stamp(epoch), "updated_at": stamp(epoch), "private_gists": 0, "total_private_repos": 0,
		"owned_private_repos": 0, "disk_usage": 0, "collaborators": 0, "two_factor_authentication": true,
	}) {
		u[k] = v
	}
	return u
}

// epoch is when the server's fixed objects (accounts, repositories, the
// App) were created.
var epoch = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

// repoJSON is a repository: every URL template GitHub lists, and
// defaults for the counters and flags plumb never reads.
func (s *Server) repoJSON(r *repoState) obj {
	full := r.owner + "/" + r.name
	api := s.apiURL("/repos/%s", full)
	id := idOf(full)
	out := obj{
		"id": id, "node_id": nodeID("010:Repository", id), "name": r.name, "full_name": full,
		"owner": s.userJSON(r.owner), "private": true, "fork": false, "description": nil,
		"url": api, "html_url": s.srv.URL + "/" + full, "clone_url": s.CloneURL(r.owner, r.name),
		"git_url": "git://" + strings.TrimPrefix(s.srv.URL, "http://") + "/" + full + ".git",
		"ssh_url": "git@" + strings.TrimPrefix(s.srv.URL, "http://") + ":" + full + ".git",
		"svn_url": s.srv.URL + "/" + full, "mirror_url": nil, "homepage": nil, "language": "HCL",
		"default_branch": r.defaultBranch(), "license": nil,
		"forks": 0, "forks_count": 0, "open_issues": 0, "open_issues_count": 0, "size": 0,
		"stargazers_count": 0, "watchers": 0, "watchers_count": 0,
		"has_issues": true, "has_projects": false, "has_wiki": false, "has_pages": false, "has_downloads": true,
		"archived": false, "disabled": false, "visibility": "private",
		"pushed_at": stamp(epoch), "created_at": stamp(epoch), "updated_at": stamp(epoch),
	}
	for key, path := range map[string]string{
		"archive_url": "/{archive_format}{/ref}", "assignees_url": "/assignees{/user}", "blobs_url": "/git/blobs{/sha}",
		"branches_url": "/branches{/branch}", "collaborators_url": "/collaborators{/collaborator}",
		"comments_url": "/comments{/number}", "commits_url": "/commits{/sha}", "compare_url": "/compare/{base}...{head}",
		"contents_url": "/contents/{+path}", "contributors_url": "/contributors", "deployments_url": "/deployments",
		"downloads_url": "/downloads", "events_url": "/events", "forks_url": "/forks", "git_commits_url": "/git/commits{/sha}",
		"git_refs_url": "/git/refs{/sha}", "git_tags_url": "/git/tags{/sha}", "hooks_url": "/hooks",
		"issue_comment_url": "/issues/comments{/number}", "issue_events_url": "/issues/events{/number}",
		"issues_url": "/issues{/number}", "keys_url": "/keys{/key_id}", "labels_url": "/labels{/name}",
		"languages_url": "/languages", "merges_url": "/merges", "milestones_url": "/milestones{/number}",
		"notifications_url": "/notifications{?since,all,participating}", "pulls_url": "/pulls{/number}",
		"releases_url": "/releases{/id}", "stargazers_url": "/stargazers", "statuses_url": "/statuses/{sha}",
		"subscribers_url": "/subscribers", "subscription_url": "/subscription", "tags_url": "/tags",
		"teams_url": "/teams", "trees_url": "/git/trees{/sha}",
	} {
		out[key] = api + path
	}
	return out
}

func (s *Server) commentJSON(r *repoState, c *Comment) obj {
	kind := "issues"
	if is := r.issues[c.Issue]; is != nil && is.PR {
		kind = "pull"
	}
	return obj{
		"id": c.ID, "node_id": nodeID("012:IssueComment", c.ID), "body": c.Body, "user": s.userJSON(c.User),
		"author_association": r.association(c.User),
		"created_at":         stamp(c.CreatedAt), "updated_at": stamp(c.UpdatedAt),
		"html_url":  s.srv.URL + sprintf("/%s/%s/%s/%d#issuecomment-%d", r.owner, r.name, kind, c.Issue, c.ID),
		"url":       s.apiURL("/repos/%s/%s/issues/comments/%d", r.owner, r.name, c.ID),
		"issue_url": s.apiURL("/repos/%s/%s/issues/%d", r.owner, r.name, c.Issue),
	}
}

// association is how GitHub relates an author to the repository.
func (r *repoState) association(login string) string {
	switch {
	case login == r.owner:
		return "OWNER"
	case r.perms[login] == "admin" || r.perms[login] == "write" || r.perms[login] == "maintain":
		return "COLLABORATOR"
	}
	return "NONE"
}

func (s *Server) labelJSON(r *repoState, name string) obj {
	id := idOf(r.owner + "/" + r.name + ":" + name)
	return obj{"id": id, "node_id": nodeID("05:Label", id), "name": name, "description": nil, "color": "ededed",
		"default": false, "url": s.apiURL("/repos/%s/%s/labels/%s", r.owner, r.name, name)}
}

func (s *Server) issueJSON(r *repoState, is *Issue) obj {
	api := s.apiURL("/repos/%s/%s/issues/%d", r.owner, r.name, is.Number)
	id := idOf(sprintf("%s/%s#%d", r.owner, r.name, is.Number))
	labels := []obj{}
	for _, l := range is.Labels {
		labels = append(labels, s.labelJSON(r, l))
	}
	comments := 0
	for _, c := range r.comments {
		if c.Issue == is.Number {
			comments++
		}
	}
	out := obj{
		"id": id, "node_id": nodeID("05:Issue", id), "number": is.Number, "title": is.Title, "body": is.Body,
		"state": is.State, "state_reason": nil, "locked": false, "user": s.userJSON(is.User), "labels": labels,
		"assignee": nil, "assignees": []obj{}, "milestone": nil, "comments": comments,
		"author_association": r.association(is.User),
		"created_at":         stamp(epoch), "updated_at": stamp(epoch), "closed_at": nil,
		"url": api, "repository_url": s.apiURL("/repos/%s/%s", r.owner, r.name),
		"labels_url": api + "/labels{/name}", "comments_url": api + "/comments", "events_url": api + "/events",
		"html_url": s.srv.URL + sprintf("/%s/%s/issues/%d", r.owner, r.name, is.Number),
	}
	if is.StateReason != "" {
		out["state_reason"] = is.StateReason
	}
	if is.State == "closed" {
		out["closed_at"] = stamp(epoch)
		if is.StateReason == "" {
			out["state_reason"] = "completed"
		}
	}
	if is.PR {
		out["html_url"] = s.srv.URL + sprintf("/%s/%s/pull/%d", r.owner, r.name, is.Number)
		out["pull_request"] = obj{
			"url":      s.apiURL("/repos/%s/%s/pulls/%d", r.owner, r.name, is.Number),
			"html_url": out["html_url"], "diff_url": sprintf("%s.diff", out["html_url"]),
			"patch_url": sprintf("%s.patch", out["html_url"]), "merged_at": nil,
		}
	}
	return out
}

func (s *Server) statusJSON(r *repoState, st *Status) obj {
	var desc, target any
	if st.Description != "" {
		desc = st.Description
	}
	if st.TargetURL != "" {
		target = st.TargetURL
	}
	return obj{
		"id": st.ID, "node_id": nodeID("013:StatusContext", st.ID), "state": st.State, "context": st.Context,
		"description": desc, "target_url": target, "avatar_url": nil, "creator": s.userJSON(st.Creator),
		"url":        s.apiURL("/repos/%s/%s/statuses/%s", r.owner, r.name, st.SHA),
		"created_at": stamp(st.CreatedAt), "updated_at": stamp(st.CreatedAt),
	}
}

func (s *Server) reviewJSON(r *repoState, pr int, rv *Review) obj {
	html := s.srv.URL + sprintf("/%s/%s/pull/%d#pullrequestreview-%d", r.owner, r.name, pr, rv.ID)
	api := s.apiURL("/repos/%s/%s/pulls/%d", r.owner, r.name, pr)
	return obj{
		"id": rv.ID, "node_id": nodeID("017:PullRequestReview", rv.ID), "user": s.userJSON(rv.User), "body": "",
		"state": rv.State, "commit_id": rv.SHA, "html_url": html, "pull_request_url": api,
		"author_association": r.association(rv.User), "submitted_at": stamp(epoch),
		"_links": obj{"html": obj{"href": html}, "pull_request": obj{"href": api}},
	}
}

func (s *Server) reactionJSON(rc *Reaction) obj {
	return obj{"id": rc.ID, "node_id": nodeID("08:Reaction", rc.ID), "user": s.userJSON(rc.User),
		"content": rc.Content, "created_at": stamp(rc.CreatedAt)}
}

func (s *Server) appJSON() obj {
	return obj{
		"id": AppID, "node_id": nodeID("03:Integration", AppID), "slug": strings.TrimSuffix(AppLogin, "[bot]"),
		"name": "plumb test", "description": nil, "owner": s.userJSON("plumbhq"),
		"external_url": "https://example.com/plumb", "html_url": s.srv.URL + "/apps/plumb-test",
		"created_at": stamp(epoch), "updated_at": stamp(epoch),
		"permissions": obj{"issues": "write", "pull_requests": "write", "statuses": "write", "contents": "read", "metadata": "read", "members": "read"},
		"events":      []string{"pull_request", "push", "issue_comment"},
	}
}
