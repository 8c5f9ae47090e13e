package plumb

// Affected is a project a change can alter, with the human reasons it was
// chosen ("modified envs/dev/app/main.tf", "calls modules/vpc (…) via …").
type Affected struct {
	Project Project
	Reasons []string
}

// Change is the set of projects a change between two commits affects, in
// apply order, plus the projects whose directory disappeared at Head.
type Change struct {
	Base     string
	Head     string
	Projects []Affected
	Removed  []Project
}
