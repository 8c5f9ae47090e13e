// Package enginetest holds no code, only tests: they prove that the engines
// and providers `make tools` installs really work offline (init, plan -out,
// show -json, apply under `unshare -n`, for OpenTofu and Terraform) and that
// drift is real (a deleted managed file, an expired time_rotating).
//
// Everything else in plumb builds on these facts, so when these fail, look
// here first.
package enginetest
