// Package s3test gives tests a real S3-compatible server: MinIO, built
// from its Go module by `make tools` into .tools/bin/minio, started once
// per test binary on first use, with a fresh bucket per test (Bucket).
//
// The server is a child of the test binary that dies with it. When the
// binary is missing, tests skip with a pointer to `make tools`; with
// CI=true they fail instead, so CI can never pass by skipping.
//
// It imports none of plumb's packages.
package s3test
