package plumb

// PolicyResult is one policy verdict on one plan.
type PolicyResult struct {
	Namespace string `json:"namespace"`
	Rule      string `json:"rule"` // deny, violation, warn
	Message   string `json:"msg"`
}

// PolicyOutcome sums up the policies checked against a plan.
type PolicyOutcome struct {
	Passed bool           `json:"passed"`
	Deny   []PolicyResult `json:"deny"`
	Warn   []PolicyResult `json:"warn"`
}
