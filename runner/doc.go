// Package runner executes runs: a project at a commit, planned, applied or
// drift-checked with a real engine (OpenTofu or Terraform) through
// terraform-exec, in a worktree of that commit, under a lock.
//
// It reaches the database and the forge only through plumb.Store and
// plumb.Forge; it never imports vcs, store/* or server.
package runner
