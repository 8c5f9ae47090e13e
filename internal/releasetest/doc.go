// Package releasetest serves engine releases over HTTP the way their
// official sites lay them out, offline: releases.hashicorp.com's for
// Terraform (index.json per product and version, SHA256SUMS and its .sig)
// and OpenTofu's GitHub releases (v<version>/tofu_<version>_<os>_<arch>.zip,
// tofu_<version>_SHA256SUMS and its .gpgsig, listed by an api.json as
// get.opentofu.org/tofu/api.json lists them). The archives hold binaries
// already on disk (the engines `make tools` built), and the checksums are
// signed with a key made in the test, so nothing is ever downloaded.
//
// It is imported only by tests; it must not import plumb's own packages.
package releasetest
