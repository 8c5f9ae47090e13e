// Package markdown renders what plumb writes on pull requests: the plan
// and apply comments (summary, why each project was or was not planned,
// each plan, policy results), as GitHub-flavoured markdown split to fit
// GitHub's size limit, and the words a commit status uses. It renders
// only; vcs posts.
package markdown
