package plumb

// Affected is a project a change can alter, with the human reasons it was
// chosen ("modified envs/dev/app/main.tf", "calls modules/vpc (…) via …").
type Affected struct {
	Project Project
	Reasons []string
}

// Change is the set of projects a change between two commits affects, in
// apply order, plus the projects whose directory disappeared at Head and
// the Terraform files the change touched that no project plans.
type Change struct {
	Base      string
	Head      string
	Projects  []Affected
	Removed   []Project
	Unplanned []Unplanned
}

// Unplanned is a directory of Terraform files a change touched that no
// project plans, and why: a library module no project calls, an ignored
// directory, a root module autodiscovery skipped.
type Unplanned struct {
	Dir    string   `json:"dir"`
	Files  []string `json:"files"`
	Reason string   `json:"reason"`
}
