package vcs

import (
	"context"

	"github.com/plumbhq/plumb"
)

// Repository reads repo's full name (as GitHub spells it now, after a
// rename), clone URL and default branch, for the drift sweep of a repo
// plumb has had no event for.
//
// Errors: as ReportPlans; ENOTFOUND also when plumb's credentials cannot
// see the repository, which GitHub does not tell apart.
func (g *GitHub) Repository(ctx context.Context, repo string) (plumb.Repository, error) {
	owner, name, err := splitRepo(repo)
	if err != nil {
		return plumb.Repository{}, err
	}
	rp, _, err := g.client.Repositories.Get(ctx, owner, name)
	if err := g.fail(err, "read repository %s", repo); err != nil {
		if plumb.ErrorCode(err) == plumb.ENOTFOUND {
			return plumb.Repository{}, &plumb.Error{Code: plumb.ENOTFOUND, Err: err, Message: g.redact.String(
				"repository " + repo + " not found, or not visible to plumb's token or App installation: check its name (in --drift-repos) and plumb's access to it")}
		}
		return plumb.Repository{}, err
	}
	return plumb.Repository{FullName: rp.GetFullName(), CloneURL: rp.GetCloneURL(), DefaultBranch: rp.GetDefaultBranch()}, nil
}
