package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/plumbhq/plumb"
	"github.com/plumbhq/plumb/internal/flagsource"
	"github.com/plumbhq/plumb/jobs"
	"github.com/plumbhq/plumb/planner"
	"github.com/plumbhq/plumb/policy"
	"github.com/plumbhq/plumb/runner"
	"github.com/plumbhq/plumb/server"
)

// serveConfig is plumb serve's configuration. Every field is a flag, its
// PLUMB_<FLAG> variable and a key of the --config file (the flag's name),
// layered file < env < flags and validated once.
type serveConfig struct {
	File           string
	Listen         string
	WebhookSecret  string
	InsecureVerify bool
	RepoAllowlist  []string
	GitHub         githubAuth
	GitHubURL      string
	PlanDrafts     bool
	AllowForks     bool
	// ApplyBeforeMerge lets `plumb apply` comments apply open pull requests.
	ApplyBeforeMerge bool
	Appliers         []string
	// Policy, PolicyData and PolicyNamespace make one policy set every
	// plan is checked against; PolicyConfig's sets check the projects they
	// name. policySets is them compiled (loadPolicy).
	Policy           []string
	PolicyData       []string
	PolicyNamespace  []string
	PolicyConfig     string
	PolicyFromBranch bool
	PolicyApprovers  []string
	policySets       []jobs.PolicySet
	artifacts        plumb.Artifacts // --artifacts opened, or nil
	LockRetry        time.Duration
	LockMaxAge       time.Duration
	DriftSchedule    string
	DriftRepos       []string
	DriftSpread      time.Duration
	DriftWorkers     int
	Parallelism      int
	MaxBody          int64
	Workers          int
	JobTimeout       time.Duration
	JobRescueAfter   time.Duration
	RunLease         time.Duration
	DrainTimeout     time.Duration
	Dash             dashConfig
}

// serveFileKeys are the flags a --config file may set besides serve's own:
// the global ones a server needs.
var serveFileKeys = slices.Concat([]string{"data-dir", "log-format", "log-level", "secret-env", "bin-dir"}, releaseFlags, artifactFileKeys)

func (c *serveConfig) flags(fs *pflag.FlagSet) {
	fs.StringVar(&c.File, "config", "", "YAML file whose keys are these flags' names (file < PLUMB_* env < flags)")
	c.Dash.flags(fs)
	fs.StringVar(&c.Listen, "listen", "127.0.0.1:4141", "address to serve HTTP on")
	fs.StringVar(&c.WebhookSecret, "webhook-secret", "", "GitHub webhook secret every delivery must be signed with")
	fs.BoolVar(&c.InsecureVerify, "insecure-skip-webhook-verify", false, "accept unsigned deliveries (testing only)")
	fs.StringSliceVar(&c.RepoAllowlist, "repo-allowlist", []string{"*"}, "owner/name globs of the repositories to act on")
	c.GitHub.flags(fs)
	fs.StringVar(&c.GitHubURL, "github-url", "", "GitHub Enterprise Server URL (default: github.com)")
	fs.BoolVar(&c.PlanDrafts, "plan-drafts", false, "plan draft pull requests too")
	fs.BoolVar(&c.AllowForks, "allow-fork-prs", false, "plan pull requests from forks (their code runs here, with this server's credentials)")
	fs.BoolVar(&c.ApplyBeforeMerge, "apply-before-merge", false, "let `plumb apply` comments apply open pull requests (after their apply requirements); off: applies happen on merge")
	fs.StringSliceVar(&c.Appliers, "appliers", nil, "who may comment `plumb apply`: logins and org/team slugs (default: anyone with write permission)")
	fs.StringSliceVar(&c.Policy, "policy", nil, "Rego policy directory or file every plan is checked against, as conftest would (repeatable); a denied plan is not applied until `plumb approve_policies`")
	fs.StringSliceVar(&c.PolicyData, "policy-data", nil, "JSON or YAML data documents for the --policy set (conftest's --data; repeatable)")
	fs.StringSliceVar(&c.PolicyNamespace, "policy-namespace", nil, "namespaces of the --policy set to check (default main; globs such as k8s.*)")
	fs.StringVar(&c.PolicyConfig, "policy-config", "", "YAML file of policy sets in plumb.yaml's policies: format (its only key; dirs and data relative to the file), each checking the projects and environments it names")
	fs.BoolVar(&c.PolicyFromBranch, "policy-from-branch", false, "also check plans against plumb.yaml's policies at the planned commit (a branch's author can change them); off: they are ignored")
	fs.StringSliceVar(&c.PolicyApprovers, "policy-approvers", nil, "who may comment `plumb approve_policies`: logins and org/team slugs (default: anyone with write permission); never the pull request's author")
	fs.DurationVar(&c.LockRetry, "lock-retry", 30*time.Second, "how often a change waiting for another owner's lock tries again")
	fs.DurationVar(&c.LockMaxAge, "lock-max-age", 7*24*time.Hour, "flag locks held longer than this in comments and metrics (0: never); they are never broken")
	fs.StringVar(&c.DriftSchedule, "drift-schedule", "", "5-field cron (server time zone) of the drift sweep of every project without its own drift.schedule; empty: only projects with their own")
	fs.StringSliceVar(&c.DriftRepos, "drift-repos", nil, "owner/name of repositories to sweep for drift besides those plumb has had events for")
	fs.DurationVar(&c.DriftSpread, "drift-spread", 30*time.Minute, "spread a tick's drift checks over half the schedule's interval, at most this (0: all at the tick)")
	fs.IntVar(&c.DriftWorkers, "drift-workers", 1, "drift checks run at once (apart from the workers events use)")
	fs.IntVar(&c.Parallelism, "parallelism", 0, "projects planned at once across all events (default: CPU count)")
	fs.Int64Var(&c.MaxBody, "max-body", server.DefaultMaxBody, "largest webhook body accepted, in bytes")
	fs.IntVar(&c.Workers, "workers", 2, "events handled at once")
	fs.DurationVar(&c.JobTimeout, "job-timeout", 2*time.Hour, "longest an event's handling (plans, applies) may run")
	fs.DurationVar(&c.JobRescueAfter, "job-rescue-after", 0, "on a shared database, retry elsewhere a job left running this long by a replica that died outside a run (one that died mid-run is retried once the run's --run-lease expires); more than --job-timeout (default: it plus 30m)")
	fs.DurationVar(&c.RunLease, "run-lease", 45*time.Second, "a replica renews each run it works on every quarter of this; a run unrenewed this long is its dead replica's, and is marked interrupted")
	fs.DurationVar(&c.DrainTimeout, "drain-timeout", 25*time.Second, "on SIGTERM, how long running jobs may finish before they are cancelled")
}

// loadFile applies the --config file to every flag not set on the command
// line or through its PLUMB_* variable. An unknown key is an error naming
// the file, line and key.
func (m *Main) loadFile(cmd *cobra.Command, file string) error {
	allowed := func(name string) bool {
		return name != "config" && (cmd.InheritedFlags().Lookup(name) == nil || slices.Contains(serveFileKeys, name))
	}
	return flagsource.FromFile(file, cmd.Flags(), allowed, m.Getenv)
}

// validate checks the layered configuration once, before anything starts.
func (c *serveConfig) validate() error {
	if c.WebhookSecret == "" && !c.InsecureVerify {
		return plumb.Errorf(plumb.EINVALID, "serve: no webhook secret: pass --webhook-secret, set PLUMB_WEBHOOK_SECRET or webhook-secret in --config (or --insecure-skip-webhook-verify, for testing only)")
	}
	if err := c.GitHub.check(); err != nil {
		return err
	}
	if c.MaxBody <= 0 {
		return plumb.Errorf(plumb.EINVALID, "serve: --max-body %d: want a positive number of bytes", c.MaxBody)
	}
	if c.Workers <= 0 {
		return plumb.Errorf(plumb.EINVALID, "serve: --workers %d: want at least 1", c.Workers)
	}
	if c.LockRetry <= 0 || c.LockMaxAge < 0 {
		return plumb.Errorf(plumb.EINVALID, "serve: --lock-retry must be positive and --lock-max-age not negative")
	}
	if c.JobTimeout <= 0 || c.DrainTimeout <= 0 || c.RunLease <= 0 {
		return plumb.Errorf(plumb.EINVALID, "serve: --job-timeout, --drain-timeout and --run-lease must be positive")
	}
	if c.JobRescueAfter != 0 && c.JobRescueAfter <= c.JobTimeout {
		return plumb.Errorf(plumb.EINVALID, "serve: --job-rescue-after %s must exceed --job-timeout %s, or a live replica's job would be run twice", c.JobRescueAfter, c.JobTimeout)
	}
	if c.DriftSchedule != "" {
		if _, err := planner.ParseSchedule(c.DriftSchedule); err != nil {
			return plumb.Errorf(plumb.EINVALID, "serve: --drift-schedule: %v", err)
		}
	}
	if c.DriftWorkers <= 0 || c.DriftSpread < 0 {
		return plumb.Errorf(plumb.EINVALID, "serve: --drift-workers must be at least 1 and --drift-spread not negative")
	}
	if len(c.Policy) == 0 && (len(c.PolicyData) > 0 || len(c.PolicyNamespace) > 0) {
		return plumb.Errorf(plumb.EINVALID, "serve: --policy-data and --policy-namespace need --policy DIR")
	}
	for _, r := range c.DriftRepos {
		if o, n, ok := strings.Cut(r, "/"); !ok || o == "" || n == "" || strings.Contains(n, "/") {
			return plumb.Errorf(plumb.EINVALID, "serve: --drift-repos %q: want owner/name", r)
		}
	}
	return nil
}

// loadPolicy compiles the --policy set and those of --policy-config once,
// before serve starts: a bad policy file, or a policy that does not
// compile (or calls the network: http.send, net.*, which the server leaves
// out), stops it, naming each file and line.
func (c *serveConfig) loadPolicy() error {
	if len(c.Policy) > 0 {
		set, err := policy.Load(policy.Options{Policy: c.Policy, Data: c.PolicyData, NoNetwork: true})
		if err != nil {
			return plumb.Errorf(plumb.EINVALID, "serve: --policy: %s", plumb.ErrorMessage(err))
		}
		c.policySets = append(c.policySets, jobs.PolicySet{Set: runner.PolicySet{Name: strings.Join(c.Policy, ","), Set: set, Namespaces: c.PolicyNamespace}})
	}
	if c.PolicyConfig == "" {
		return nil
	}
	data, err := os.ReadFile(c.PolicyConfig)
	if err != nil {
		return plumb.Errorf(plumb.EINVALID, "serve: --policy-config: %w", err)
	}
	sets, err := planner.ParsePolicySets(c.PolicyConfig, data)
	if err != nil {
		return plumb.Errorf(plumb.EINVALID, "serve: --policy-config:\n%s", plumb.ErrorMessage(err))
	}
	// Paths on disk, not in an fs.FS: a policy's error then names the file
	// as the operator finds it.
	dir := filepath.Dir(c.PolicyConfig)
	join := func(paths []string) []string {
		out := make([]string, len(paths))
		for i, p := range paths {
			out[i] = filepath.Join(dir, filepath.FromSlash(p))
		}
		return out
	}
	for _, ps := range sets {
		set, err := policy.Load(policy.Options{Policy: join(ps.Dirs), Data: join(ps.Data), NoNetwork: true})
		if err != nil {
			return plumb.Errorf(plumb.EINVALID, "serve: --policy-config %s: policies %q: %s", c.PolicyConfig, ps.Name, plumb.ErrorMessage(err))
		}
		c.policySets = append(c.policySets, jobs.PolicySet{Set: runner.PolicySet{Name: ps.Name, Set: set, Namespaces: ps.Namespaces}, Applies: ps.Applies})
	}
	return nil
}
