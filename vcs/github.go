package vcs

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/google/go-github/v60/github"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/vcs/markdown"
)

// GitHub is plumb's plumb.Forge on GitHub (and GitHub Enterprise Server):
// PR comments edited in place, commit statuses, and the issues the drift
// sweep keeps. Every text it sends has been through the Redactor.
type GitHub struct {
	client *github.Client
	app    *github.Client // as the App itself; nil with a token
	creds  credentials
	redact *plumb.Redactor
	retry  retryPolicy

	mu   sync.Mutex
	self string // login plumb writes as
}

var _ plumb.Forge = (*GitHub)(nil)

// NewGitHub returns a GitHub client for cfg. It makes no request.
//
// Errors: EINVALID for missing or conflicting credentials, or a bad URL or key.
func NewGitHub(cfg GitHubConfig) (*GitHub, error) {
	client, app, creds, err := newClient(cfg)
	if err != nil {
		return nil, err
	}
	return &GitHub{client: client, app: app, creds: creds, redact: cfg.Redactor, retry: retryPolicyOf(cfg), self: cfg.Login}, nil
}

// ReportPlans writes the report's comment bodies onto pull request r.PR,
// editing plumb's earlier comments of r.Kind in place (part i edits part
// i, missing parts are created, parts left over from a longer report are
// deleted), then sets one commit status per project on r.Head. Plans and
// applies each keep their own comment (markdown.CommentMarker, markdown.ApplyCommentMarker)
// and status contexts (StatusContext). A report without a PR only sets
// statuses.
//
// Errors: EUNAUTHORIZED (bad credentials, no permission), ENOTFOUND (no
// such repository or PR), EINVALID (GitHub rejected the request, or a kind
// other than plan or apply), EINTERNAL (5xx, rate limit, network, after
// the retries: worth retrying; a retry converges, it never duplicates
// comments).
func (g *GitHub) ReportPlans(ctx context.Context, r plumb.PlanReport) error {
	owner, name, err := splitRepo(r.Repo)
	if err != nil {
		return err
	}
	switch r.Kind {
	case "":
		r.Kind = plumb.RunPlan
	case plumb.RunPlan, plumb.RunApply:
	default:
		return plumb.Errorf(plumb.EINVALID, "report of %s runs: only plan and apply reports go on a pull request", r.Kind)
	}
	var errs []error
	if r.PR > 0 {
		if err := g.upsertComments(ctx, owner, name, r.PR, markdown.Marker(r.Kind), markdown.RenderComment(r, 0)); err != nil {
			errs = append(errs, err)
		}
	}
	if r.Head != "" {
		for _, p := range r.Projects {
			if p.Run == nil {
				continue
			}
			if err := g.setStatus(ctx, owner, name, r.Head, ProjectStatus(r.Kind, p)); err != nil {
				errs = append(errs, err)
				break // the next ones would fail the same way
			}
		}
	}
	return errors.Join(errs...)
}

// SetStatus sets one commit status on sha of repo ("owner/name").
//
// Errors: as ReportPlans; EINVALID for a state GitHub does not know.
func (g *GitHub) SetStatus(ctx context.Context, repo, sha string, s plumb.CommitStatus) error {
	owner, name, err := splitRepo(repo)
	if err != nil {
		return err
	}
	return g.setStatus(ctx, owner, name, sha, s)
}

func (g *GitHub) setStatus(ctx context.Context, owner, name, sha string, s plumb.CommitStatus) error {
	st := &github.RepoStatus{
		State:       github.String(s.State),
		Context:     github.String(truncate(g.redact.String(s.Context), 255)),
		Description: github.String(truncate(g.redact.String(s.Description), MaxStatusDescription)),
	}
	if s.TargetURL != "" {
		st.TargetURL = github.String(s.TargetURL)
	}
	_, _, err := g.client.Repositories.CreateStatus(ctx, owner, name, sha, st)
	return g.fail(err, "set status %q on %s/%s@%.12s", s.Context, owner, name, sha)
}

// ownComment is one of plumb's comments on a PR and the part it holds.
type ownComment struct {
	id   int64
	part int
	body string
}

// upsertComments makes plumb's comments on a PR the bodies, converging
// even when a create's answer was lost: creates are never resent blind
// (atMostOnce), the whole pass runs again instead, and its fresh listing
// finds a comment GitHub made before it failed, which it then edits.
func (g *GitHub) upsertComments(ctx context.Context, owner, name string, pr int, marker string, bodies []string) error {
	for attempt := 1; ; attempt++ {
		err := g.upsertOnce(ctx, owner, name, pr, marker, bodies)
		var unsure *unsureCreate
		if !errors.As(err, &unsure) {
			return err
		}
		if attempt >= g.retry.attempts || ctx.Err() != nil {
			return unsure.err
		}
		if err := g.retry.sleep(ctx, g.retry.backoff(attempt)); err != nil {
			return unsure.err
		}
	}
}

// unsureCreate is a comment create that failed without saying whether
// GitHub made the comment (5xx, network).
type unsureCreate struct{ err error }

func (u *unsureCreate) Error() string { return u.err.Error() }

func (g *GitHub) upsertOnce(ctx context.Context, owner, name string, pr int, marker string, bodies []string) error {
	existing, err := g.ownComments(ctx, owner, name, pr, marker)
	if err != nil {
		return err
	}
	byPart := map[int]ownComment{}
	var extra []ownComment // duplicates of a part (two racing writers) and leftovers
	for _, c := range existing {
		if _, dup := byPart[c.part]; dup || c.part > len(bodies) {
			extra = append(extra, c)
			continue
		}
		byPart[c.part] = c
	}
	for i, body := range bodies {
		body = g.redact.String(body)
		c, ok := byPart[i+1]
		switch {
		case ok && c.body == body:
		case ok:
			_, _, err = g.client.Issues.EditComment(ctx, owner, name, c.id, &github.IssueComment{Body: github.String(body)})
			err = g.fail(err, "edit comment %d on %s/%s#%d", c.id, owner, name, pr)
		default:
			_, _, err = g.client.Issues.CreateComment(atMostOnce(ctx), owner, name, pr, &github.IssueComment{Body: github.String(body)})
			if err = g.fail(err, "comment on %s/%s#%d", owner, name, pr); plumb.ErrorCode(err) == plumb.EINTERNAL {
				err = &unsureCreate{err: err}
			}
		}
		if err != nil {
			return err
		}
	}
	for _, c := range extra {
		_, err := g.client.Issues.DeleteComment(ctx, owner, name, c.id)
		if err = g.fail(err, "delete comment %d on %s/%s#%d", c.id, owner, name, pr); err != nil && plumb.ErrorCode(err) != plumb.ENOTFOUND {
			return err
		}
	}
	return nil
}

// ownComments lists plumb's comments of one kind on a PR (written by
// plumb's login and starting with marker), across every page, by part
// then age.
func (g *GitHub) ownComments(ctx context.Context, owner, name string, pr int, marker string) ([]ownComment, error) {
	self, err := g.login(ctx)
	if err != nil {
		return nil, err
	}
	var out []ownComment
	opts := &github.IssueListCommentsOptions{ListOptions: github.ListOptions{PerPage: 100}}
	for {
		page, resp, err := g.client.Issues.ListComments(ctx, owner, name, pr, opts)
		if err := g.fail(err, "list comments of %s/%s#%d", owner, name, pr); err != nil {
			return nil, err
		}
		for _, c := range page {
			if !strings.EqualFold(c.GetUser().GetLogin(), self) {
				continue
			}
			if part, ok := commentPart(marker, c.GetBody()); ok {
				out = append(out, ownComment{id: c.GetID(), part: part, body: c.GetBody()})
			}
		}
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	slices.SortStableFunc(out, func(a, b ownComment) int {
		if a.part != b.part {
			return a.part - b.part
		}
		return int(a.id - b.id)
	})
	return out, nil
}

// commentPart reads the part number from the first line of a plumb
// comment starting with marker: "<!-- plumb:plan -->" is part 1,
// "<!-- plumb:plan part 2 of 3 -->" part 2.
func commentPart(marker, body string) (int, bool) {
	rest, ok := strings.CutPrefix(body, marker)
	if !ok {
		return 0, false
	}
	head, _, ok := strings.Cut(rest, "-->")
	if !ok {
		return 0, false
	}
	head = strings.TrimSpace(head)
	if head == "" {
		return 1, true
	}
	var n, m int
	if f := strings.Fields(head); len(f) == 4 && f[0] == "part" && f[2] == "of" {
		n, _ = strconv.Atoi(f[1])
		m, _ = strconv.Atoi(f[3])
	}
	if n < 1 || m < n {
		return 0, false
	}
	return n, true
}
