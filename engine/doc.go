// Package engine knows the engine binaries plumb runs (OpenTofu and
// Terraform): where they are, which version each is (remembered in the
// data dir until a binary changes), which one a project's constraint
// picks, downloading a verified release into the data dir when none
// installed does (fetch.go), and what environment an engine may see:
// never plumb's own credentials. It imports only the root package,
// hc-install and go-crypto's openpgp.
package engine
