// Package standin is a small Terraform provider that stands in for the
// hashicorp/null, hashicorp/random and hashicorp/local providers, whose current
// releases cannot be built from the Go module proxy. It serves null_resource,
// random_string and local_file (resource and data source) with the real
// providers' schemas, so configurations written against it also work against
// the public registry.
//
// local_file really writes its file and, on Read, drops itself from state when
// the file is gone or its content changed, exactly like hashicorp/local: that
// gives tests real out-of-band drift. One binary is copied into the offline
// mirror under every address it stands in for (see scripts/tools.sh), so it
// must not care which address it is served under.
//
// It imports only terraform-plugin-framework and the standard library.
package standin
