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

// DriftConfig says whether and when the drift sweep checks a project.
type DriftConfig struct {
	Enabled   bool   `json:"enabled"`
	Schedule  string `json:"schedule,omitempty"`
	Remediate bool   `json:"remediate"`
}

// String names the project for people: its name, plus the workspace when it
// is not the default one.
func (p Project) String() string {
	if p.Workspace == "" || p.Workspace == DefaultWorkspace {
		return p.Name
	}
	return fmt.Sprintf("%s (workspace %s)", p.Name, p.Workspace)
}
