package plumb

import "fmt"

// Engine names the binary that runs a project.
type Engine string

const (
	EngineTofu      Engine = "tofu"
	EngineTerraform Engine = "terraform"
)

// DefaultWorkspace is the workspace a project uses unless it names another.
const DefaultWorkspace = "default"

// Project is one root module plumb plans and applies: a directory of a repo,
// in one workspace, run by one engine.
type Project struct {
	Name              string      `json:"name"`
	Dir               string      `json:"dir"` // repo-relative, slash-separated, "." for the root
	Workspace         string      `json:"workspace"`
	Engine            Engine      `json:"engine"`
	Version           string      `json:"version,omitempty"` // version constraint, e.g. ">= 1.8"
	WhenModified      []string    `json:"when_modified,omitempty"`
	DependsOn         []string    `json:"depends_on,omitempty"`
	Environment       string      `json:"environment,omitempty"`
	Autoplan          bool        `json:"autoplan"`
	ApplyRequirements []string    `json:"apply_requirements,omitempty"`
	ApplyOnPush       bool        `json:"apply_on_push,omitempty"`
	Workflow          string      `json:"workflow,omitempty"`
	Drift             DriftConfig `json:"drift"`
	// Modules lists every local module directory the project calls, directly
	// or transitively, repo-relative.
	Modules []string `json:"modules"`
	// Discovered is true when the project came from autodiscovery rather than
	// from plumb.yaml.
	Discovered bool `json:"discovered,omitempty"`
}

// DriftConfig says whether and when the drift sweep checks a project, and
// whether it reverts what it finds.
type DriftConfig struct {
	// Enabled is true unless plumb.yaml says `drift: {enabled: false}`.
	Enabled bool `json:"enabled"`
	// Schedule is a 5-field cron expression; empty: the server's
	// --drift-schedule.
	Schedule string `json:"schedule,omitempty"`
	// Remediate is what the sweep applies after finding drift (see
	// Remediate*); empty means off.
	Remediate string `json:"remediate,omitempty"`
}

// Remediation modes: off (the default) only reports; out_of_band applies
// a fresh plan when the project has out-of-band findings and no pending
// ones (it reverts what changed outside and nothing else); all applies
// any drift, pending config too.
const (
	RemediateOff       = "off"
	RemediateOutOfBand = "out_of_band"
	RemediateAll       = "all"
)

// String names the project for people: its name, plus the workspace when it
// is not the default one.
func (p Project) String() string {
	if p.Workspace == "" || p.Workspace == DefaultWorkspace {
		return p.Name
	}
	return fmt.Sprintf("%s (workspace %s)", p.Name, p.Workspace)
}

// RepoLayout is one repository's projects, in apply order, and its
// environments in promotion order, at a commit: what the dashboard's
// estate is drawn from.
type RepoLayout struct {
	Repo         string    `json:"repo"`
	Commit       string    `json:"commit,omitempty"`
	Environments []string  `json:"environments"`
	Projects     []Project `json:"projects"`
}
