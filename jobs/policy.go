package jobs

import (
	"context"
	"fmt"
	"io/fs"
	"strings"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/planner"
	"github.com/plumbhq/plumb/policy"
	"github.com/plumbhq/plumb/runner"
)

// policyOn reports whether this server checks plans against any policy.
func (e *Env) policyOn() bool {
	return len(e.Settings.PolicySets) > 0 || e.Settings.PolicyFromBranch
}

// changePolicy is how one change's plans are checked: the server's sets,
// plus plumb.yaml's at the planned commit only where the server allows it
// (the branch's author writes those). input.plumb gets the pull request
// (number, author, approvers), the changed files and each project's drift
// findings. check is nil when there is nothing to check; note tells the
// pull request about policies plumb.yaml names but this server ignores;
// err is a branch policy set that does not load (the plans then fail).
type changePolicy struct {
	check *runner.PolicyCheck
	note  string
	err   error
}

// policyFor builds the changePolicy of the change base..commit of repo
// (pr nil outside a pull request), whose projects are targets.
func (e *Env) policyFor(ctx context.Context, repo string, pr *plumb.PullRequest, base, commit string, tree fs.FS, targets []runner.Target) changePolicy {
	var cp changePolicy
	var branch []planner.PolicySet
	if data, err := fs.ReadFile(tree, planner.ConfigFile); err == nil {
		if cfg, errs := planner.ParseConfig(planner.ConfigFile, data); errs == nil {
			branch = cfg.Policies
		}
	}
	if len(branch) > 0 && !e.Settings.PolicyFromBranch {
		cp.note = fmt.Sprintf("The policies in %s are not used: this server checks plans against its own policy sets only. ", planner.ConfigFile)
	}
	if !e.policyOn() {
		return cp
	}
	projects := map[string]plumb.Project{}
	for _, t := range targets {
		projects[t.Project.Name] = t.Project
	}
	pc := &runner.PolicyCheck{}
	for _, s := range e.Settings.PolicySets {
		set := s.Set
		if s.Applies != nil {
			set.Applies = func(r *plumb.Run) bool { return s.Applies(projects[r.Project]) }
		}
		pc.Sets = append(pc.Sets, set)
	}
	if e.Settings.PolicyFromBranch {
		for _, ps := range branch {
			set, err := policy.Load(policy.Options{FS: tree, Policy: ps.Dirs, Data: ps.Data, NoNetwork: true})
			if err != nil {
				cp.err = plumb.Errorf(plumb.EINVALID, "%s: policies %q: %s (fix it and push again)", planner.ConfigFile, ps.Name, plumb.ErrorMessage(err))
				return cp
			}
			pc.Sets = append(pc.Sets, runner.PolicySet{Name: ps.Name, Set: set, Namespaces: ps.Namespaces,
				Applies: func(r *plumb.Run) bool { return ps.Applies(projects[r.Project]) }})
		}
	}
	if len(pc.Sets) == 0 {
		return cp
	}
	in := plumb.PolicyInput{Approvers: []string{}, ChangedFiles: []string{}}
	if pr != nil {
		in.PR, in.Author = pr.Number, pr.Author
		if reviews, err := e.Forge.Reviews(ctx, repo, pr.Number); err == nil {
			in.Approvers = approvers(reviews)
		} else {
			e.logger().Warn("policy input: read reviews", "repo", repo, "pr", pr.Number, "err", err)
		}
	}
	if base != "" {
		if files, err := e.Git.Changed(ctx, repo, base, commit); err == nil {
			for _, f := range files {
				in.ChangedFiles = append(in.ChangedFiles, cmpOr(f.To, f.From))
			}
		}
	}
	pc.Input = func(r *plumb.Run) plumb.PolicyInput {
		out := in
		out.Environment = projects[r.Project].Environment
		if st, err := e.Store.DriftState(ctx, repo, r.Project); err == nil {
			out.Drift = st.Findings
		}
		return out
	}
	cp.check = pc
	return cp
}

// approvers are the logins whose latest review approves the pull request.
func approvers(reviews []plumb.Review) []string {
	latest := map[string]string{}
	var order []string
	for _, r := range reviews {
		if r.State == "COMMENTED" || r.State == "PENDING" {
			continue
		}
		if _, seen := latest[r.User]; !seen {
			order = append(order, r.User)
		}
		latest[r.User] = r.State
	}
	out := []string{}
	for _, u := range order {
		if latest[u] == "APPROVED" {
			out = append(out, u)
		}
	}
	return out
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// withPolicy gives every target the change's policy check.
func withPolicy(targets []runner.Target, pc *runner.PolicyCheck) {
	for i := range targets {
		targets[i].Policy = pc
	}
}

// refuseDenied is ApplyOptions.RefusePlan: a plan a policy denied is not
// applied unless an approval of that very plan (its run and plan file) is
// recorded. A failure to read the approvals refuses too.
func (e *Env) refuseDenied(ctx context.Context, targets []runner.Target, pr int) func(int, *plumb.Run) string {
	return func(i int, plan *plumb.Run) string {
		denied := runner.PolicyDenied(plan)
		if denied == "" {
			return ""
		}
		by, err := e.approvedBy(ctx, plan)
		switch {
		case err != nil:
			return fmt.Sprintf("%s\n(the approvals of plan %s could not be read: %s; try `plumb apply -p %s` again)", denied, plan.ID, plumb.ErrorMessage(err), plan.Project)
		case by != "":
			return ""
		case pr == 0:
			return denied + "\n(no pull request: nobody can approve it here; fix the plan or the policy)"
		}
		return fmt.Sprintf("%s\n%s may approve plan %s by commenting `plumb approve_policies -p %s`, then `plumb apply -p %s`; or fix the plan or the policy and push.",
			denied, e.whoApproves(), plan.ID, targets[i].Project.Name, targets[i].Project.Name)
	}
}

// approvedBy names who approved plan's policy denials, or "".
func (e *Env) approvedBy(ctx context.Context, plan *plumb.Run) (string, error) {
	approvals, err := e.Store.PolicyApprovals(ctx, plan.ID)
	if err != nil {
		return "", err
	}
	for _, a := range approvals {
		if a.PlanSHA256 == plan.PlanSHA256 && a.PlanSHA256 != "" {
			return a.By, nil
		}
	}
	return "", nil
}

// whoApproves says who may comment `plumb approve_policies`.
func (e *Env) whoApproves() string {
	if len(e.Settings.PolicyApprovers) == 0 {
		return "Anyone with write permission but the pull request's author"
	}
	return strings.Join(e.Settings.PolicyApprovers, ", ") + " (but not the pull request's author)"
}

// policyNext is what a pull request's comment says under a denied plan.
func (e *Env) policyNext(run *plumb.Run) string {
	if runner.PolicyDenied(run) == "" {
		return ""
	}
	return fmt.Sprintf("Policy denied this plan: it is not applied until it is approved. %s may comment `plumb approve_policies -p %s`; a new push needs a new approval.",
		e.whoApproves(), run.Project)
}

// refusePlan is a merge batch's RefusePlan: denied plans need an approval,
// and nothing applies while a policy set of the merge commit (allowed by
// the server) does not load.
func (e *Env) refusePlan(ctx context.Context, b *mergeBatch) func(int, *plumb.Run) string {
	denied := e.refuseDenied(ctx, b.targets, b.pr.Number)
	return func(i int, plan *plumb.Run) string {
		if b.policy.err != nil {
			return plumb.ErrorMessage(b.policy.err)
		}
		return denied(i, plan)
	}
}
